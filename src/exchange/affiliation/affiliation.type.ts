import { Field, ObjectType } from "type-graphql";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { SellerRef } from "../seller/seller.type";

@ObjectType("Affiliation", { description: "A seller's affiliation with a marketplace: the seller may submit offers to it" })
export class AffiliationType {
  @Field(() => SellerRef, { description: "The affiliated seller" })
  seller!: SellerRef;

  @Field(() => MarketplaceRef, { description: "The marketplace" })
  marketplace!: MarketplaceRef;

  @Field({ description: "When the seller was affiliated" })
  createdAt!: Date;
}
