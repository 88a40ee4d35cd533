import { GraphQLObjectType, parse, subscribe, type ExecutionResult } from "graphql";
import { createExchangeContext } from "../../src/exchange/context";
import type { ExchangeServices } from "../../src/exchange/services";
import { encodeFeedCursor } from "../../src/exchange/feed/feed.cursor";
import type { FeedEventRecord } from "../../src/exchange/feed/feed.model";
import { feedResolvers } from "../../src/exchange/feed/feed.resolver";
import { buildExchangeSchema } from "../../src/exchange/schema";

/** The feed's per-event resolvers: plain functions in the exchange's schema, each event on fresh loaders. */
const event = (seq: number): FeedEventRecord => ({
  _id: `of_1:${seq}`,
  marketplaceId: "mk_1",
  seq,
  offerId: "of_1",
  type: "UPDATED",
  available: true,
  quantity: seq,
  price: 100 + seq,
  unavailableReason: null,
  occurredAt: new Date(0),
});

describe("the feed's resolvers", () => {
  it("are the plain ones in the schema: offerFeed keeps type-graphql's subscribe, its resolve and cursor are not wrapped", async () => {
    const schema = await buildExchangeSchema();
    const offerFeed = schema.getSubscriptionType()!.getFields().offerFeed!;
    expect(offerFeed.subscribe).toEqual(expect.any(Function));
    expect(offerFeed.resolve).toBe(feedResolvers.Subscription.offerFeed.resolve);
    expect((schema.getType("OfferEvent") as GraphQLObjectType).getFields().cursor!.resolve).toBe(feedResolvers.OfferEvent.cursor);
  });

  it("resolve each event of a subscription on loaders of its own, with its cursor", async () => {
    const schema = await buildExchangeSchema();
    const events = [event(1), event(2), event(3)];
    const feed = {
      stream: async () => (async function* () {
        yield* events;
      })(),
    };
    const context = createExchangeContext({ feed } as unknown as ExchangeServices, { kind: "ADMIN", id: null });
    let renewed = 0;
    const renew = context.renewLoaders.bind(context);
    context.renewLoaders = () => (renewed++, renew());

    const results = (await subscribe({
      schema,
      document: parse(`subscription { offerFeed(marketplaceId: "mk_1", after: null) { cursor type offerId quantity price occurredAt } }`),
      contextValue: context,
    })) as AsyncIterableIterator<ExecutionResult>;
    const got: unknown[] = [];
    for await (const result of results) got.push(JSON.parse(JSON.stringify(result))); // as it goes on the wire

    expect(got).toEqual(
      events.map((e) => ({
        data: {
          offerFeed: {
            cursor: encodeFeedCursor("mk_1", e.seq),
            type: "UPDATED",
            offerId: "of_1",
            quantity: e.quantity,
            price: e.price,
            occurredAt: "1970-01-01T00:00:00.000Z",
          },
        },
      })),
    );
    expect(renewed).toBe(events.length);
  });
});
