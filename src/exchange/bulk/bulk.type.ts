import { Field, Int, ObjectType } from "type-graphql";
import { OfferType } from "../offer/offer.type";
import { StockLevelType } from "../stock/stock.type";

@ObjectType("BulkError")
export class BulkErrorType {
  @Field({ description: 'one of the codes in SEMANTICS.md "Errors"' })
  code!: string;

  @Field()
  message!: string;
}

@ObjectType("BulkOfferResult")
export class BulkOfferResultType {
  @Field(() => Int, { description: "position of the item in the input, from 0" })
  index!: number;

  @Field(() => OfferType, { nullable: true, description: "null exactly when error is set" })
  offer!: OfferType | null;

  @Field(() => BulkErrorType, { nullable: true })
  error!: BulkErrorType | null;
}

@ObjectType("BulkOfferPayload")
export class BulkOfferPayloadType {
  @Field(() => [BulkOfferResultType])
  results!: BulkOfferResultType[];

  @Field(() => Int)
  succeeded!: number;

  @Field(() => Int)
  failed!: number;
}

@ObjectType("BulkStockResult")
export class BulkStockResultType {
  @Field(() => Int)
  index!: number;

  @Field(() => StockLevelType, { nullable: true, description: "null exactly when error is set" })
  stockLevel!: StockLevelType | null;

  @Field(() => BulkErrorType, { nullable: true })
  error!: BulkErrorType | null;
}

@ObjectType("BulkStockPayload")
export class BulkStockPayloadType {
  @Field(() => [BulkStockResultType])
  results!: BulkStockResultType[];

  @Field(() => Int)
  succeeded!: number;

  @Field(() => Int)
  failed!: number;
}
