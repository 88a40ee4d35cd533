import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { SellerRef } from "../seller/seller.type";
import type { Affiliation } from "./affiliation.repository";
import { AffiliationType } from "./affiliation.type";

@Resolver(() => AffiliationType)
export class AffiliationResolver {
  @Mutation(() => AffiliationType)
  affiliateSeller(
    @Arg("sellerId", () => ID) sellerId: string,
    @Arg("marketplaceId", () => ID) marketplaceId: string,
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
