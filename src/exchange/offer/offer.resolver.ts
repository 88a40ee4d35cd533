import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { ReviewDecisionEnum } from "../enums";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import { ProductRef } from "../product/product.type";
import { SellerRef } from "../seller/seller.type";
import type { OfferView } from "./offer.view";
import { OfferConnection, OfferListArgs, OfferType, SubmitOfferInput } from "./offer.type";

const ref = (id: string) => ({ id });

@Resolver(() => OfferType)
export class OfferResolver {
  @Query(() => OfferType, { nullable: true, description: "The offer with this id; null when there is none" })
  offer(@Arg("id", () => ID, { description: "The offer's id" }) id: string, @Ctx() ctx: ExchangeContext) {
    return ctx.loaders.offerById.load(id);
  }

  @Query(() => OfferConnection, { description: "Offers that meet the filter, a page at a time" })
  offers(@Args() args: OfferListArgs, @Ctx() ctx: ExchangeContext) {
    return ctx.services.offers.list(args.filter ?? {}, args);
  }

  @Mutation(() => OfferType, { description: "Partners: admin or the seller itself. Lists an offer at a marketplace the seller is affiliated with." })
  submitOffer(@Arg("input", { description: "The offer" }) input: SubmitOfferInput, @Ctx() ctx: ExchangeContext) {
    return ctx.services.offers.submit(ctx.principal, input);
  }

  @Mutation(() => OfferType, { description: "Admin, the offer's origin seller, or the marketplace that lists it. Offers forwarded from it become unavailable (UPSTREAM_UNAVAILABLE) until it is reopened." })
  withdrawOffer(@Arg("offerId", () => ID, { description: "The offer's id" }) offerId: string, @Ctx() ctx: ExchangeContext) {
    return ctx.services.offers.withdraw(ctx.principal, offerId);
  }

  @Mutation(() => OfferType, { description: "Admin or the marketplace that lists the offer: approves or denies a PENDING offer." })
  reviewOffer(
    @Arg("offerId", () => ID, { description: "The offer's id" }) offerId: string,
    @Arg("decision", () => ReviewDecisionEnum, { description: "Approve or deny" }) decision: "APPROVE" | "DENY",
    @Ctx() ctx: ExchangeContext,
  ) {
    return ctx.services.offers.review(ctx.principal, offerId, decision);
  }

  @Mutation(() => OfferType, { description: "Admin or the marketplace that lists the offer: forwards it along an open route to the downstream marketplace." })
  forwardOffer(
    @Arg("offerId", () => ID, { description: "The offer's id" }) offerId: string,
    @Arg("toMarketplaceId", () => ID, { description: "The downstream marketplace, at the end of an open route from the one that lists the offer" }) toMarketplaceId: string,
    @Ctx() ctx: ExchangeContext,
  ) {
    return ctx.services.offers.forward(ctx.principal, offerId, toMarketplaceId);
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
