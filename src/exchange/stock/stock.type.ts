import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { ProductRef } from "../product/product.type";

@ObjectType("StockLevel", { description: "How many of a product a seller or a marketplace has on hand" })
export class StockLevelType {
  @Field(() => ID, { description: "a seller's or a marketplace's id" })
  ownerId!: string;

  @Field(() => ProductRef, { description: "The product" })
  product!: ProductRef;

  @Field(() => Int, { description: "on hand, never negative" })
  quantity!: number;

  @Field(() => Int, { description: "+1 on every change; 0 for a level never set" })
  version!: number;

  @Field(() => Date, { nullable: true, description: "When it last changed; null for a level never set" })
  updatedAt!: Date | null;
}

@InputType({ description: "The level to set" })
export class SetStockInput {
  @Field(() => ID, { description: "A seller's or a marketplace's id: whose stock" })
  ownerId!: string;

  @Field(() => ID, { description: "The product" })
  productId!: string;

  @Field(() => Int, { description: "The new quantity on hand, 0 or more" })
  quantity!: number;

  @Field(() => Int, { nullable: true, description: "compare-and-set: VERSION_CONFLICT when the level has moved on" })
  expectedVersion?: number | null;
}

@InputType({ description: "The change to add to a level" })
export class AdjustStockInput {
  @Field(() => ID, { description: "A seller's or a marketplace's id: whose stock" })
  ownerId!: string;

  @Field(() => ID, { description: "The product" })
  productId!: string;

  @Field(() => Int, { description: "INSUFFICIENT_STOCK when the result would be negative" })
  delta!: number;
}
