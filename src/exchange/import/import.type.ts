import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { connectionTypes } from "../../shared/pagination";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { SellerRef } from "../seller/seller.type";

export const OfferImportStatusEnum = { QUEUED: "QUEUED", RUNNING: "RUNNING", DONE: "DONE", FAILED: "FAILED" } as const;
registerEnumType(OfferImportStatusEnum, { name: "OfferImportStatus" });

@ObjectType("OfferImportError")
export class OfferImportErrorType {
  @Field(() => Int, { description: "line number in the file, the header being line 1" })
  line!: number;

  @Field()
  code!: string;

  @Field()
  message!: string;
}

export const OfferImportErrorConnection = connectionTypes("OfferImportError", OfferImportErrorType);

@ObjectType("OfferImport")
export class OfferImportType {
  @Field(() => ID)
  id!: string;

  @Field(() => SellerRef)
  seller!: SellerRef;

  @Field(() => MarketplaceRef)
  marketplace!: MarketplaceRef;

  @Field(() => OfferImportStatusEnum)
  status!: keyof typeof OfferImportStatusEnum;

  @Field(() => Int, { description: "data lines in the file" })
  total!: number;

  @Field(() => Int)
  processed!: number;

  @Field(() => Int)
  succeeded!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}
