import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { AffiliationType } from "../affiliation/affiliation.type";
import type { ExchangeContext } from "../context";
import { OfferConnection, OfferListArgs } from "../offer/offer.type";
import { SellerRef } from "./seller.type";

@Resolver(() => SellerRef)
export class SellerResolver {
  @FieldResolver(() => [AffiliationType], { description: "The marketplaces this seller is affiliated with" })
  affiliations(@Root() s: SellerRef, @Ctx() ctx: ExchangeContext) {
    return ctx.loaders.affiliationsBySellerId.load(s.id);
  }

  @FieldResolver(() => OfferConnection, { description: "This seller's offers, direct and forwarded" })
  offers(@Root() s: SellerRef, @Args() args: OfferListArgs, @Ctx() ctx: ExchangeContext) {
    return ctx.services.offers.list({ ...args.filter, sellerId: s.id }, args);
  }
}
