import { Field, ObjectType } from "type-graphql";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { SellerRef } from "../seller/seller.type";

@ObjectType("Affiliation")
export class AffiliationType {
  @Field(() => SellerRef)
  seller!: SellerRef;

  @Field(() => MarketplaceRef)
  marketplace!: MarketplaceRef;

  @Field()
  createdAt!: Date;
}
