import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { SellerRef } from "../seller/seller.type";
import type { Affiliation } from "./affiliation.repository";
import { AffiliationType } from "./affiliation.type";

@Resolver(() => AffiliationType)
export class AffiliationResolver {
  @Mutation(() => AffiliationType, { description: "Admin or the marketplace: the seller may then submit offers to it. Affiliating again changes nothing." })
  affiliateSeller(
    @Arg("sellerId", () => ID, { description: "The seller to affiliate" }) sellerId: string,
    @Arg("marketplaceId", () => ID, { description: "The marketplace" }) marketplaceId: string,
    @Ctx() ctx: ExchangeContext,
  ) {
    return ctx.services.affiliations.affiliate(ctx.principal, sellerId, marketplaceId);
  }

  @FieldResolver(() => SellerRef)
  seller(@Root() a: Affiliation) {
    return { id: a.sellerId };
  }

  @FieldResolver(() => MarketplaceRef)
  marketplace(@Root() a: Affiliation) {
    return { id: a.marketplaceId };
  }
}
