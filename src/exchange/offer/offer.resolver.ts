import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { ReviewDecisionEnum } from "../enums";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { ProductRef } from "../product/product.type";
import { SellerRef } from "../seller/seller.type";
import { listOffers } from "./offer.list";
import { toOfferView, type OfferView } from "./offer.view";
import { OfferConnection, OfferListArgs, OfferType, SubmitOfferInput } from "./offer.type";

const ref = (id: string) => ({ id });

@Resolver(() => OfferType)
export class OfferResolver {
  @Query(() => OfferType, { nullable: true })
  offer(@Arg("id", () => ID) id: string, @Ctx() ctx: ExchangeContext) {
    return ctx.loaders.offerById.load(id);
  }

  @Query(() => OfferConnection)
  offers(@Args() args: OfferListArgs, @Ctx() ctx: ExchangeContext) {
    return listOffers(ctx, args.filter ?? {}, args);
  }

  @Mutation(() => OfferType)
  async submitOffer(@Arg("input") input: SubmitOfferInput, @Ctx() ctx: ExchangeContext) {
    return toOfferView(await ctx.services.offers.submit(ctx.principal, input));
  }

  @Mutation(() => OfferType)
  async withdrawOffer(@Arg("offerId", () => ID) offerId: string, @Ctx() ctx: ExchangeContext) {
    return toOfferView(await ctx.services.offers.withdraw(ctx.principal, offerId));
  }

  @Mutation(() => OfferType)
  async reviewOffer(
    @Arg("offerId", () => ID) offerId: string,
    @Arg("decision", () => ReviewDecisionEnum) decision: "APPROVE" | "DENY",
    @Ctx() ctx: ExchangeContext,
  ) {
    return toOfferView(await ctx.services.offers.review(ctx.principal, offerId, decision));
  }

  @Mutation(() => OfferType)
  async forwardOffer(
    @Arg("offerId", () => ID) offerId: string,
    @Arg("toMarketplaceId", () => ID) toMarketplaceId: string,
    @Ctx() ctx: ExchangeContext,
  ) {
    return toOfferView(await ctx.services.offers.forward(ctx.principal, offerId, toMarketplaceId));
  }

  @FieldResolver(() => ProductRef)
  product(@Root() offer: OfferView) {
    return ref(offer.productId);
  }

  @FieldResolver(() => SellerRef)
  seller(@Root() offer: OfferView) {
    return ref(offer.sellerId);
  }

  @FieldResolver(() => MarketplaceRef)
  marketplace(@Root() offer: OfferView) {
    return ref(offer.marketplaceId);
  }

  @FieldResolver(() => MarketplaceRef, { nullable: true })
  via(@Root() offer: OfferView) {
    return offer.viaId ? ref(offer.viaId) : null;
  }

  @FieldResolver(() => OfferType, { nullable: true })
  source(@Root() offer: OfferView, @Ctx() ctx: ExchangeContext) {
    return offer.sourceId ? ctx.loaders.offerById.load(offer.sourceId) : null;
  }

  @FieldResolver(() => [OfferType])
  forwards(@Root() offer: OfferView, @Ctx() ctx: ExchangeContext) {
    return ctx.loaders.forwardsBySourceId.load(offer.id);
  }
}
