import { Arg, Args, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { OfferConnection, OfferListArgs } from "../offer/offer.type";
import { ForwardingRouteType } from "../route/route.type";
import { SellerRef } from "../seller/seller.type";
import { ConfigureMarketplaceInput, MarketplaceRef } from "./marketplace.type";

@Resolver(() => MarketplaceRef)
export class MarketplaceResolver {
  @Mutation(() => MarketplaceRef, { description: "Admin or the marketplace itself: changes its settings." })
  async configureMarketplace(@Arg("input", { description: "The marketplace and the settings to change" }) input: ConfigureMarketplaceInput, @Ctx() ctx: ExchangeContext) {
    const settings = await ctx.services.marketplaces.configure(ctx.principal, input);
    ctx.loaders.settingsByMarketplaceId.clear(settings.marketplaceId).prime(settings.marketplaceId, settings);
    return { id: settings.marketplaceId };
  }

  @FieldResolver(() => Boolean, { description: "The seed rule, on by default: this marketplace may forward an offer for a product only while it has that product in stock itself" })
  async requireStockToForward(@Root() m: MarketplaceRef, @Ctx() ctx: ExchangeContext) {
    return (await ctx.loaders.settingsByMarketplaceId.load(m.id)).requireStockToForward;
  }

  @FieldResolver(() => Boolean, { description: "On by default: offers that arrive here are ACTIVE at once; off: PENDING until reviewOffer" })
  async autoApprove(@Root() m: MarketplaceRef, @Ctx() ctx: ExchangeContext) {
    return (await ctx.loaders.settingsByMarketplaceId.load(m.id)).autoApprove;
  }

  @FieldResolver(() => [SellerRef], { description: "affiliated sellers" })
  async sellers(@Root() m: MarketplaceRef, @Ctx() ctx: ExchangeContext) {
    return (await ctx.loaders.affiliationsByMarketplaceId.load(m.id)).map((a) => ({ id: a.sellerId }));
  }

  @FieldResolver(() => [ForwardingRouteType], { description: "routes into this marketplace" })
  upstreamRoutes(@Root() m: MarketplaceRef, @Ctx() ctx: ExchangeContext) {
    return ctx.loaders.routesTo.load(m.id);
  }

  @FieldResolver(() => [ForwardingRouteType], { description: "routes out of this marketplace" })
  downstreamRoutes(@Root() m: MarketplaceRef, @Ctx() ctx: ExchangeContext) {
    return ctx.loaders.routesFrom.load(m.id);
  }

  @FieldResolver(() => OfferConnection, { description: "offers listed here" })
  offers(@Root() m: MarketplaceRef, @Args() args: OfferListArgs, @Ctx() ctx: ExchangeContext) {
    return ctx.services.offers.list({ ...args.filter, marketplaceId: m.id }, args);
  }
}
