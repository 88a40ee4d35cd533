import { Field, Int, ObjectType } from "type-graphql";
import { OfferType } from "../offer/offer.type";
import { StockLevelType } from "../stock/stock.type";

@ObjectType("BulkError", { description: "Why one item of a bulk mutation failed" })
export class BulkErrorType {
  @Field({ description: 'one of the codes in SEMANTICS.md "Errors"' })
  code!: string;

  @Field({ description: "What went wrong, for people" })
  message!: string;
}

@ObjectType("BulkOfferResult", { description: "The outcome of one item of submitOffers" })
export class BulkOfferResultType {
  @Field(() => Int, { description: "position of the item in the input, from 0" })
  index!: number;

  @Field(() => OfferType, { nullable: true, description: "null exactly when error is set" })
  offer!: OfferType | null;

  @Field(() => BulkErrorType, { nullable: true, description: "Why the item failed; null when it succeeded" })
  error!: BulkErrorType | null;
}

@ObjectType("BulkOfferPayload", { description: "The result of submitOffers" })
export class BulkOfferPayloadType {
  @Field(() => [BulkOfferResultType], { description: "One result per item, in input order" })
  results!: BulkOfferResultType[];

  @Field(() => Int, { description: "How many items succeeded" })
  succeeded!: number;

  @Field(() => Int, { description: "How many items failed" })
  failed!: number;
}

@ObjectType("BulkStockResult", { description: "The outcome of one item of setStocks" })
export class BulkStockResultType {
  @Field(() => Int, { description: "Position of the item in the input, from 0" })
  index!: number;

  @Field(() => StockLevelType, { nullable: true, description: "null exactly when error is set" })
  stockLevel!: StockLevelType | null;

  @Field(() => BulkErrorType, { nullable: true, description: "Why the item failed; null when it succeeded" })
  error!: BulkErrorType | null;
}

@ObjectType("BulkStockPayload", { description: "The result of setStocks" })
export class BulkStockPayloadType {
  @Field(() => [BulkStockResultType], { description: "One result per item, in input order" })
  results!: BulkStockResultType[];

  @Field(() => Int, { description: "How many items succeeded" })
  succeeded!: number;

  @Field(() => Int, { description: "How many items failed" })
  failed!: number;
}
