import { ArgsType, Directive, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { connectionTypes, PageArgs } from "../../shared/pagination";
import { OfferStatusEnum, UnavailableReasonEnum } from "../enums";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { ProductRef } from "../product/product.type";
import type { OfferStatus, UnavailableReason } from "../rules/types";
import { SellerRef } from "../seller/seller.type";

@Directive(`@key(fields: "id")`)
@ObjectType("Offer")
export class OfferType {
  @Field(() => ID)
  id!: string;

  @Field(() => ProductRef)
  product!: ProductRef;

  @Field(() => SellerRef, { description: "the origin seller, whose stock is being sold" })
  seller!: SellerRef;

  @Field(() => MarketplaceRef, { description: "where this offer is listed" })
  marketplace!: MarketplaceRef;

  @Field(() => MarketplaceRef, { nullable: true, description: "the marketplace that forwarded it here" })
  via!: MarketplaceRef | null;

  @Field(() => OfferType, { nullable: true, description: "the upstream offer; null for a direct offer" })
  source!: OfferType | null;

  @Field(() => [OfferType], { description: "offers forwarded from this one" })
  forwards!: OfferType[];

  @Field(() => [ID])
  path!: string[];

  @Field(() => Int)
  depth!: number;

  @Field(() => Int, { description: "minor units (cents)" })
  price!: number;

  @Field()
  currency!: string;

  @Field(() => OfferStatusEnum)
  status!: OfferStatus;

  @Field()
  available!: boolean;

  @Field(() => Int)
  quantity!: number;

  @Field(() => UnavailableReasonEnum, { nullable: true })
  unavailableReason!: UnavailableReason | null;

  @Field(() => Int)
  version!: number;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

export const OfferConnection = connectionTypes("Offer", OfferType);

@InputType()
export class OfferFilter {
  @Field(() => OfferStatusEnum, { nullable: true })
  status?: OfferStatus | null;

  @Field(() => Boolean, { nullable: true })
  available?: boolean | null;

  @Field(() => ID, { nullable: true })
  productId?: string | null;

  @Field(() => ID, { nullable: true })
  sellerId?: string | null;

  @Field(() => ID, { nullable: true })
  marketplaceId?: string | null;
}

@ArgsType()
export class OfferListArgs extends PageArgs {
  @Field(() => OfferFilter, { nullable: true })
  filter?: OfferFilter | null;
}

@InputType()
export class SubmitOfferInput {
  @Field(() => ID)
  sellerId!: string;

  @Field(() => ID)
  marketplaceId!: string;

  @Field(() => ID)
  productId!: string;

  @Field(() => Int)
  price!: number;

  @Field()
  currency!: string;
}
