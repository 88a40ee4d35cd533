import { Args, ArgsType, Ctx, Field, ID, Resolver, Root, Subscription } from "type-graphql";
import type { ExchangeContext } from "../context";
import { OfferType } from "./offer.type";
import type { OfferView } from "./offer.view";

@ArgsType()
class OfferUpdatesArgs {
  @Field(() => ID, { nullable: true, description: "Only offers of this product" })
  productId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only offers listed at this marketplace" })
  marketplaceId?: string | null;
}

@Resolver()
export class OfferUpdatesResolver {
  @Subscription(() => OfferType, {
    description:
      "Public. Each time an offer of that product (and/or at that marketplace) changes what it shows, the offer as it is now. " +
      "Live only, not durable: for screens, not for integrations (those use offerFeed).",
    subscribe: ({ args, context }) => (context as ExchangeContext).services.offerUpdates.stream(args as OfferUpdatesArgs),
  })
  offerUpdates(@Root() offer: OfferView, @Args() _args: OfferUpdatesArgs, @Ctx() ctx: ExchangeContext): OfferView {
    // Each update is resolved as a request of its own: `source` and `forwards` as they are now.
    ctx.renewLoaders();
    return offer;
  }
}
