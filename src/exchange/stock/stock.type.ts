import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { ProductRef } from "../product/product.type";

@ObjectType("StockLevel")
export class StockLevelType {
  @Field(() => ID, { description: "a seller's or a marketplace's id" })
  ownerId!: string;

  @Field(() => ProductRef)
  product!: ProductRef;

  @Field(() => Int, { description: "on hand, never negative" })
  quantity!: number;

  @Field(() => Int, { description: "+1 on every change; 0 for a level never set" })
  version!: number;

  @Field(() => Date, { nullable: true })
  updatedAt!: Date | null;
}

@InputType()
export class SetStockInput {
  @Field(() => ID)
  ownerId!: string;

  @Field(() => ID)
  productId!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int, { nullable: true, description: "compare-and-set: VERSION_CONFLICT when the level has moved on" })
  expectedVersion?: number | null;
}

@InputType()
export class AdjustStockInput {
  @Field(() => ID)
  ownerId!: string;

  @Field(() => ID)
  productId!: string;

  @Field(() => Int, { description: "INSUFFICIENT_STOCK when the result would be negative" })
  delta!: number;
}
