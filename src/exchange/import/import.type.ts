import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { connectionTypes } from "../../shared/pagination";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { SellerRef } from "../seller/seller.type";

export const OfferImportStatusEnum = { QUEUED: "QUEUED", RUNNING: "RUNNING", DONE: "DONE", FAILED: "FAILED" } as const;
registerEnumType(OfferImportStatusEnum, {
  name: "OfferImportStatus",
  description: "Where a CSV offer import stands",
  valuesConfig: {
    QUEUED: { description: "Accepted, not started yet" },
    RUNNING: { description: "Lines are being processed" },
    DONE: { description: "Every line processed; some may have failed (see errors)" },
    FAILED: { description: "The import itself could not go on (message in failureReason)" },
  },
});

@ObjectType("OfferImportError", { description: "A line of an import that failed" })
export class OfferImportErrorType {
  @Field(() => Int, { description: "line number in the file, the header being line 1" })
  line!: number;

  @Field({ description: "One of the codes in SEMANTICS.md \"Errors\"" })
  code!: string;

  @Field({ description: "What went wrong, for people" })
  message!: string;
}

export const OfferImportErrorConnection = connectionTypes("OfferImportError", OfferImportErrorType);

@ObjectType("OfferImport", { description: "A CSV import of offers for one seller at one marketplace" })
export class OfferImportType {
  @Field(() => ID, { description: "Unique id" })
  id!: string;

  @Field(() => SellerRef, { description: "The seller whose offers are imported" })
  seller!: SellerRef;

  @Field(() => MarketplaceRef, { description: "The marketplace they are submitted to" })
  marketplace!: MarketplaceRef;

  @Field(() => OfferImportStatusEnum, { description: "Where the import stands" })
  status!: keyof typeof OfferImportStatusEnum;

  @Field(() => Int, { description: "data lines in the file" })
  total!: number;

  @Field(() => Int, { description: "Data lines processed so far" })
  processed!: number;

  @Field(() => Int, { description: "Lines whose offer was submitted" })
  succeeded!: number;

  @Field(() => Int, { description: "Lines that failed (see errors)" })
  failed!: number;

  @Field(() => String, { nullable: true, description: "Why the import itself failed; null unless status is FAILED" })
  failureReason!: string | null;

  @Field(() => Date, { description: "When the import was started" })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When it became DONE or FAILED; null before" })
  finishedAt!: Date | null;
}
