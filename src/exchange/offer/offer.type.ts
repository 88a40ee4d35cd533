import { ArgsType, Directive, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { connectionTypes, PageArgs } from "../../shared/pagination";
import { OfferStatusEnum, UnavailableReasonEnum } from "../enums";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { ProductRef } from "../product/product.type";
import type { OfferStatus, UnavailableReason } from "../rules/types";
import { SellerRef } from "../seller/seller.type";

@Directive(`@key(fields: "id")`)
@ObjectType("Offer", { description: "A seller's offer of a product at a price, listed at one marketplace; forwarding makes a new offer downstream" })
export class OfferType {
  @Field(() => ID, { description: "Unique id" })
  id!: string;

  @Field(() => ProductRef, { description: "The product offered" })
  product!: ProductRef;

  @Field(() => SellerRef, { description: "the origin seller, whose stock is being sold" })
  seller!: SellerRef;

  @Field(() => MarketplaceRef, { description: "where this offer is listed" })
  marketplace!: MarketplaceRef;

  @Field(() => MarketplaceRef, { nullable: true, description: "the marketplace that forwarded it here; null for a direct offer" })
  via!: MarketplaceRef | null;

  @Field(() => OfferType, { nullable: true, description: "the upstream offer; null for a direct offer" })
  source!: OfferType | null;

  @Field(() => [OfferType], { description: "offers forwarded from this one" })
  forwards!: OfferType[];

  @Field(() => [ID], { description: "[sellerId, first marketplace id, ..., this marketplace's id]" })
  path!: string[];

  @Field(() => Int, { description: "Forwarding hops: 0 for a seller's direct offer" })
  depth!: number;

  @Field(() => Int, { description: "minor units (cents)" })
  price!: number;

  @Field({ description: "ISO 4217, e.g. \"BRL\"" })
  currency!: string;

  @Field(() => OfferStatusEnum, { description: "Where the offer stands with the marketplace that lists it" })
  status!: OfferStatus;

  @Field({ description: "\"Eligible\": can be sold here now" })
  available!: boolean;

  @Field(() => Int, { description: "Exposed here; 0 whenever available is false" })
  quantity!: number;

  @Field(() => UnavailableReasonEnum, { nullable: true, description: "Why it cannot be sold here now; null exactly when available" })
  unavailableReason!: UnavailableReason | null;

  @Field(() => Int, { description: "+1 on every change of what the offer shows" })
  version!: number;

  @Field({ description: "When the offer was created" })
  createdAt!: Date;

  @Field({ description: "When it last changed" })
  updatedAt!: Date;
}

export const OfferConnection = connectionTypes("Offer", OfferType);

@InputType({ description: "Conditions an offer must meet, all of them; omitted ones do not filter" })
export class OfferFilter {
  @Field(() => OfferStatusEnum, { nullable: true, description: "Where the offer stands with the marketplace that lists it" })
  status?: OfferStatus | null;

  @Field(() => Boolean, { nullable: true, description: "\"Eligible\": can be sold here now" })
  available?: boolean | null;

  @Field(() => ID, { nullable: true, description: "The product offered" })
  productId?: string | null;

  @Field(() => ID, { nullable: true, description: "The seller who offers" })
  sellerId?: string | null;

  @Field(() => ID, { nullable: true, description: "The marketplace to list it at" })
  marketplaceId?: string | null;
}

@ArgsType()
export class OfferListArgs extends PageArgs {
  @Field(() => OfferFilter, { nullable: true, description: "Only the offers that meet these conditions" })
  filter?: OfferFilter | null;
}

@InputType({ description: "A seller's offer to a marketplace it is affiliated with" })
export class SubmitOfferInput {
  @Field(() => ID, { description: "The seller who offers" })
  sellerId!: string;

  @Field(() => ID, { description: "The marketplace to list it at" })
  marketplaceId!: string;

  @Field(() => ID, { description: "The product offered" })
  productId!: string;

  @Field(() => Int, { description: "Minor units (cents), 0 or more" })
  price!: number;

  @Field({ description: "ISO 4217, e.g. \"BRL\"" })
  currency!: string;
}
