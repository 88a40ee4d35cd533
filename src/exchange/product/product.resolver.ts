import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { OfferConnection, OfferListArgs } from "../offer/offer.type";
import { ProductRef } from "./product.type";

@Resolver(() => ProductRef)
export class ProductResolver {
  @FieldResolver(() => OfferConnection, { description: "Offers of this product" })
  offers(@Root() p: ProductRef, @Args() args: OfferListArgs, @Ctx() ctx: ExchangeContext) {
    return ctx.services.offers.list({ ...args.filter, productId: p.id }, args);
  }
}
