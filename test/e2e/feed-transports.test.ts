import type { StartOptions } from "../../src/app";
import { FeedSubscriptionDocument, FeedSubscriptionWithOfferDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { metric, readWholeFeed, subscribe } from "../helpers/feed-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sockets open to the exchange subgraph's own server (HTTP and WebSocket). */
const socketsToExchange = (og: TestOffergate) =>
  new Promise<number>((resolve, reject) => og.app.subgraphs.exchange!.server.getConnections((error, n) => (error ? reject(error) : resolve(n))));

/**
 * The gateway reaches the exchange's `offerFeed` by a direct call when both
 * run in one process (the embedded default), and over a WebSocket per
 * subscription otherwise: the client sees the same feed either way.
 */
describe.each<[string, NonNullable<StartOptions["subgraphTransport"]>, (open: number, closed: number) => void]>([
  [
    "in the gateway's process (embedded)",
    "in-process",
    (open, closed) => expect([open, closed]).toEqual([0, 0]), // no socket at all: not for the subscription, not for the mutations
  ],
  ["over a WebSocket of its own", "http", (open, closed) => expect(open - closed).toBe(1)],
])("offerFeed with the exchange reached %s", (_how, transport, expectSockets) => {
  let og: TestOffergate;
  beforeAll(async () => {
    og = await startTestOffergate({ FEED_SWEEP_INTERVAL_MS: "3600000" }, { subgraphTransport: transport });
  });
  afterAll(() => og.close());

  it("replays, streams live events with the offer as it is now, and ends when the client leaves", async () => {
    const w = await buildWorld(og.admin, 1);
    const m = w.ids[0]!;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    const offer = await w.submit(m, 1000);

    const sub = subscribe(og.url, w.markets[0]!.apiKey, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    await sub.waitForEvents(1);

    await w.submit(m, 1100);
    await w.setStock(w.sellerId, 0);
    await w.submit(m, 1200); // unavailable: no event
    await w.setStock(w.sellerId, 2);
    const events = await sub.waitForEvents(4);
    await sleep(100); // an extra event would arrive now
    expect(sub.errors).toEqual([]);
    expect(events.map((e) => [e.type, e.offerId, e.available, e.quantity, e.price, e.unavailableReason])).toEqual([
      ["ELIGIBLE", offer.id, true, 5, 1000, null],
      ["UPDATED", offer.id, true, 5, 1100, null],
      ["INELIGIBLE", offer.id, false, 0, 1100, "SELLER_OUT_OF_STOCK"],
      ["ELIGIBLE", offer.id, true, 2, 1200, null],
    ]);
    // `offer` is resolved when each event is sent: as the offer was then, the last one as it is now.
    expect(events.at(-1)!.offer).toMatchObject({ id: offer.id, available: true, quantity: 2, price: 1200 });
    expect(new Set(events.map((e) => e.cursor)).size).toBe(4);

    const open = await socketsToExchange(og);
    await sub.close();
    await sleep(200);
    expectSockets(open, await socketsToExchange(og));
  });

  it("identical live subscriptions of one principal share one subscription at the exchange, and each client gets every event", async () => {
    const w = await buildWorld(og.admin, 1);
    const m = w.ids[0]!;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    const subscribers = () => metric(og.origin, "offergate_feed_subscribers");
    const before = await subscribers();
    const key = w.markets[0]!.apiKey;
    const same = [0, 1, 2].map(() => subscribe(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: null }));
    const asAdmin = subscribe(og.url, og.adminApiKey, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: null });
    const all = [...same, asAdmin];
    for (let waited = 0; (await subscribers()) < before + 2; waited += 20) {
      if (waited > 5_000) throw new Error("the subscriptions never reached the exchange");
      await sleep(20);
    }
    await sleep(200);
    expect(await subscribers()).toBe(before + 2); // the three alike as one, the admin's apart

    await w.submit(m, 700);
    await Promise.all(all.map((sub) => sub.waitForEvents(1)));
    await same[0]!.close();
    await same[1]!.close();
    await w.submit(m, 800);
    await Promise.all([same[2]!.waitForEvents(2), asAdmin.waitForEvents(2)]);
    for (const sub of all) expect(sub.errors).toEqual([]);
    expect(same[2]!.events.map((e) => [e.type, e.price, e.offer?.price])).toEqual([
      ["ELIGIBLE", 700, 700],
      ["UPDATED", 800, 800],
    ]);
    expect(asAdmin.events.map((e) => e.cursor)).toEqual(same[2]!.events.map((e) => e.cursor));
    expect(same[0]!.events.map((e) => e.cursor)).toEqual([same[2]!.events[0]!.cursor]);

    await Promise.all([same[2]!.close(), asAdmin.close()]);
    for (let waited = 0; (await subscribers()) > before; waited += 20) {
      if (waited > 5_000) throw new Error("the shared subscription outlived its clients");
      await sleep(20);
    }
  });

  it("takes a live subscription the exchange answers alone from it directly: the same bytes, and the same refusal, as through the query plan", async () => {
    const w = await buildWorld(og.admin, 2);
    const m = w.ids[0]!;
    const key = w.markets[0]!.apiKey;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    await w.submit(m, 1000);
    const direct = () => metric(og.origin, "offergate_gateway_subscriptions_direct_total");
    const before = await direct();
    // Live and shared: the exchange's results directly. A replay is never shared: the query plan.
    const live = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: null });
    let price = 2000;
    while (live.events.length === 0) {
      await w.submit(m, ++price);
      await sleep(20);
      if (price > 2100) throw new Error("the live subscription received nothing");
    }
    expect(await direct()).toBe(before + 1);
    const first = (await readWholeFeed(og.admin, m)).findIndex((e) => e.cursor === live.events[0]!.cursor);
    const planned = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    await w.setStock(w.sellerId, 0);
    await w.setStock(w.sellerId, 4);
    const all = await readWholeFeed(og.admin, m);
    await Promise.all([live.waitForEvents(all.length - first), planned.waitForEvents(all.length)]);
    expect(JSON.stringify(live.events)).toBe(JSON.stringify(planned.events.slice(first)));
    expect(live.events.map((e) => e.type).slice(-2)).toEqual(["INELIGIBLE", "ELIGIBLE"]);
    // What another subgraph resolves (`offer { product { name } }`) goes through the plan.
    const withOffer = subscribe(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: null });
    await sleep(200);
    await w.submit(m, ++price);
    await withOffer.waitForEvents(1);
    expect(withOffer.events[0]!.offer!.product.name).toEqual(expect.any(String));
    expect(await direct()).toBe(before + 1);
    await Promise.all([live.close(), planned.close(), withOffer.close()]);

    // Another marketplace's key: refused live as through the plan (a replay), with the same error.
    const otherKey = w.markets[1]!.apiKey;
    const refusedLive = subscribe(og.url, otherKey, FeedSubscriptionDocument, { marketplaceId: m, after: null });
    const refusedReplay = subscribe(og.url, otherKey, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    await Promise.all([refusedLive.waitForEnd(), refusedReplay.waitForEnd()]);
    expect(refusedLive.events).toEqual([]);
    expect(refusedLive.errors.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect(refusedLive.errors).toEqual(refusedReplay.errors);
  });

  it("refuses a live subscription over the cost limit before any stream is taken directly", async () => {
    const w = await buildWorld(og.admin, 1);
    const m = w.ids[0]!;
    // A gateway on the same database whose cost limit no subscription passes.
    const strict = await startTestOffergate({ MONGODB_URI: og.app.mongoUri, ADMIN_API_KEY: og.adminApiKey, MAX_COST: "1" }, { subgraphTransport: transport });
    try {
      const direct = () => metric(strict.origin, "offergate_gateway_subscriptions_direct_total");
      const before = await direct();
      const sub = subscribe(strict.url, w.markets[0]!.apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: null });
      await sub.waitForEnd();
      expect([sub.events, sub.errors.map((e) => e.extensions?.code)]).toEqual([[], ["QUERY_TOO_COMPLEX"]]);
      expect(await direct()).toBe(before);
    } finally {
      await strict.close();
    }
  });

  it("refuses another marketplace's key and a cursor of another feed with the contract's codes", async () => {
    const w = await buildWorld(og.admin, 2);
    const [m, other] = [w.ids[0]!, w.ids[1]!];
    await w.affiliate(m);
    await w.setStock(w.sellerId, 1);
    await w.submit(m, 300);

    const forbidden = subscribe(og.url, w.markets[1]!.apiKey, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: null });
    await forbidden.waitForEnd();
    expect([forbidden.events, forbidden.errors.map((e) => e.extensions?.code)]).toEqual([[], ["FORBIDDEN"]]);

    const replay = subscribe(og.url, w.markets[0]!.apiKey, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    const [first] = await replay.waitForEvents(1);
    await replay.close();
    const foreign = subscribe(og.url, og.adminApiKey, FeedSubscriptionWithOfferDocument, { marketplaceId: other, after: first!.cursor });
    await foreign.waitForEnd();
    expect(foreign.errors.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
  });
});
