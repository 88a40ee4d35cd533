import { Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from "type-graphql";
import { contextOf, markSpan, tracingEnabled } from "../../shared/tracing";
import type { ExchangeContext } from "../context";
import { OfferType } from "../offer/offer.type";
import { encodeFeedCursor } from "./feed.cursor";
import type { FeedEventRecord } from "./feed.model";
import { OfferEventConnection, OfferEventObject } from "./feed.type";

@ArgsType()
class OfferEventsArgs {
  @Field(() => ID, { description: "The marketplace whose feed to read" })
  marketplaceId!: string;

  @Field(() => String, { nullable: true, description: "Events after this cursor; null: from the first event of the feed" })
  after?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 100, description: "How many events to return" })
  first?: number | null;
}

@ArgsType()
class OfferFeedArgs {
  @Field(() => ID, { description: "The marketplace whose feed to read" })
  marketplaceId!: string;

  @Field(() => String, { nullable: true, description: "Events after this cursor; null: from the first event of the feed" })
  after?: string | null;
}

@Resolver(() => OfferEventObject)
export class FeedResolver {
  @Query(() => OfferEventConnection, { description: "Private: that marketplace or an admin." })
  offerEvents(@Args() args: OfferEventsArgs, @Ctx() ctx: ExchangeContext) {
    return ctx.services.feed.page(ctx.principal, args.marketplaceId, args);
  }

  /** The field, its arguments and its stream; each event is resolved by `feedResolvers` below, which the schema uses instead of this method. */
  @Subscription(() => OfferEventObject, {
    description: "Private: that marketplace or an admin. Replays the events after `after`, then streams live ones.",
    subscribe: ({ args, context }) => {
      const { marketplaceId, after } = args as OfferFeedArgs;
      const ctx = context as ExchangeContext;
      return ctx.services.feed.stream(ctx.principal, marketplaceId, after);
    },
  })
  offerFeed(@Root() event: FeedEventRecord, @Args() _args: OfferFeedArgs): FeedEventRecord {
    return event;
  }

  @FieldResolver(() => OfferType)
  offer(@Root() event: FeedEventRecord, @Ctx() ctx: ExchangeContext) {
    return ctx.loaders.offerById.load(event.offerId);
  }
}

/**
 * A live event of `offerFeed`. A subscription's context lives as long as the
 * subscription; its loaders must not, or `offer` would show every event the
 * offer as it was at the first one. Events run one after another, so each
 * gets fresh loaders (made only if the event's fields use them).
 */
function resolveFeedEvent(event: FeedEventRecord, ctx: ExchangeContext): FeedEventRecord {
  ctx.renewLoaders();
  // The push to this subscription, in the trace of the mutation that raised the event.
  if (event.traceparent && tracingEnabled()) {
    markSpan("offerFeed push", contextOf(event.traceparent), {
      "offergate.marketplace.id": event.marketplaceId,
      "offergate.offer.id": event.offerId,
      "offergate.feed.seq": event.seq,
      "offergate.feed.event_type": event.type,
    });
  }
  return event;
}

/**
 * The feed's per-event resolvers, as plain functions in the schema's
 * resolver map rather than through type-graphql, which turns and validates
 * a field's arguments into an instance on every call, asynchronously, and
 * makes an instance of the object type for every field resolver it runs: a
 * cost that each event of each live subscription would pay again, for
 * arguments that were read once, when it subscribed.
 */
export const feedResolvers = {
  Subscription: {
    offerFeed: { resolve: (event: FeedEventRecord, _args: unknown, ctx: ExchangeContext) => resolveFeedEvent(event, ctx) },
  },
  OfferEvent: {
    cursor: (event: FeedEventRecord) => encodeFeedCursor(event.marketplaceId, event.seq),
  },
};
