import mongoose from "mongoose";
import { FeedPageDocument, FeedSubscriptionDocument, FeedSubscriptionWithOfferDocument, WithdrawOfferDocument } from "../generated/graphql";
import { buildWorld, type World } from "../helpers/exchange";
import { readWholeFeed, subscribe } from "../helpers/feed-client";
import { errorCodes } from "../helpers/graphql-client";
import { httpGet, startTestOffergate, type TestOffergate } from "../helpers/offergate";

let og: TestOffergate;
beforeAll(async () => {
  // Delivery here is driven by the doorbell alone: no background sweep, no poll.
  og = await startTestOffergate({ FEED_SWEEP_INTERVAL_MS: "3600000", FEED_POLL_MS: "3600000" });
});
afterAll(async () => {
  await og.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A marketplace with one affiliated seller in stock and its offer listed (one ELIGIBLE event). */
async function listedOffer(on = og): Promise<{ w: World; m: string; key: string; offerId: string }> {
  const w = await buildWorld(on.admin, 1);
  const m = w.ids[0]!;
  await w.affiliate(m);
  await w.setStock(w.sellerId, 5);
  const offer = await w.submit(m, 1000);
  return { w, m, key: w.markets[0]!.apiKey, offerId: offer.id };
}

/** Another seller (and product) listing at `m`: its own offer, its own events. */
async function anotherSellerAt(m: string, stock = 3, on = og) {
  const o = await buildWorld(on.admin, 0);
  await o.affiliate(m);
  await o.setStock(o.sellerId, stock);
  await o.submit(m, 500);
  return o;
}

describe("offerFeed through the gateway", () => {
  it("replays after a cursor, then streams live events, with no gap and no duplicate at the seam", async () => {
    const { w, m, key } = await listedOffer();
    for (let i = 1; i <= 4; i++) await w.submit(m, 1000 + i);
    const before = await readWholeFeed(og.admin, m);
    expect(before.map((e) => e.type)).toEqual(["ELIGIBLE", "UPDATED", "UPDATED", "UPDATED", "UPDATED"]);

    // Several writers keep appending while the subscriber replays and joins the live stream.
    const others = await Promise.all([anotherSellerAt(m), anotherSellerAt(m)]);
    const sub = subscribe(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: before[1]!.cursor });
    await Promise.all([
      (async () => {
        for (let i = 0; i < 10; i++) await w.submit(m, 2000 + i);
      })(),
      ...others.map(async (o, n) => {
        for (let i = 0; i < 10; i++) await o.submit(m, 3000 + 100 * n + i);
      }),
    ]);
    const all = await readWholeFeed(og.admin, m);
    expect(all).toHaveLength(5 + 2 + 30);
    await sub.waitForEvents(all.length - 2);
    await sleep(200); // a duplicate would arrive now
    expect(sub.errors).toEqual([]);
    expect(sub.events.map((e) => e.cursor)).toEqual(all.slice(2).map((e) => e.cursor));
    expect(sub.events.map((e) => [e.type, e.offerId, e.price, e.quantity, e.available])).toEqual(
      all.slice(2).map((e) => [e.type, e.offerId, e.price, e.quantity, e.available]),
    );
    // `offer` resolves across the three subgraphs.
    const mine = sub.events.filter((e) => e.offer.seller.id === w.sellerId);
    expect(mine.length).toBe(13);
    for (const e of mine) {
      expect(e.offer.product).toEqual({ id: w.productId, name: w.product.name });
      expect(e.offer.seller.name).toBe(w.seller.seller.name);
      expect(e.offer.marketplace).toEqual({ id: m, name: w.markets[0]!.marketplace.name });
    }
    // Each event's price is the one of its moment; `offer` is the offer when the event is sent.
    expect(mine.map((e) => e.price)).toEqual([1002, 1003, 1004, ...Array.from({ length: 10 }, (_, i) => 2000 + i)]);
    await sub.close();
    const replay = subscribe(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: before[1]!.cursor });
    await replay.waitForEvents(all.length - 2);
    expect(replay.events.filter((e) => e.offerId === mine[0]!.offerId).map((e) => e.offer.price)).toEqual(mine.map(() => 2009));
    await replay.close();
  });

  it('after: "" replays from the first event; after: null streams only what happens after it starts', async () => {
    const { w, m, key } = await listedOffer();
    await w.submit(m, 1001);
    const fromStart = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    const liveOnly = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: null });
    expect((await fromStart.waitForEvents(2)).map((e) => [e.type, e.price])).toEqual([
      ["ELIGIBLE", 1000],
      ["UPDATED", 1001],
    ]);
    // The live-only subscription has no ack: keep changing the offer until it sees something.
    let price = 1100;
    while (liveOnly.events.length === 0) {
      await w.submit(m, ++price);
      await sleep(20);
      if (price > 1200) throw new Error("the live-only subscription received nothing");
    }
    await fromStart.waitForEvents(2 + price - 1100);
    const all = await readWholeFeed(og.admin, m);
    expect(fromStart.events.map((e) => e.cursor)).toEqual(all.map((e) => e.cursor));
    // Live only: a suffix of the feed, none of the events before it started.
    const start = all.findIndex((e) => e.cursor === liveOnly.events[0]!.cursor);
    expect(start).toBeGreaterThanOrEqual(2);
    await liveOnly.waitForEvents(all.length - start);
    expect(liveOnly.events.map((e) => e.cursor)).toEqual(all.slice(start).map((e) => e.cursor));
    await Promise.all([fromStart.close(), liveOnly.close()]);
  });

  it("only the marketplace itself or an admin may read a feed, over WebSocket and HTTP; unknown ids are NOT_FOUND", async () => {
    const { w, m, key } = await listedOffer();
    const other = await buildWorld(og.admin, 1);
    const cases: [string, string | undefined, string][] = [
      ["anonymous", undefined, "UNAUTHENTICATED"],
      ["an unknown key", "og_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "UNAUTHENTICATED"],
      ["the seller listing there", w.seller.apiKey, "FORBIDDEN"],
      ["another marketplace", other.markets[0]!.apiKey, "FORBIDDEN"],
    ];
    for (const [who, apiKey, code] of cases) {
      const sub = subscribe(og.url, apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
      await sub.waitForEnd();
      // A key that is no key is refused at connection_init: the socket is closed with 4401 (graphql-ws's Unauthorized).
      const refused = apiKey?.startsWith("og_0000") ? "socket error: 4401" : code;
      expect([who, sub.events, sub.errors.map((e) => e.extensions?.code ?? e.message)]).toEqual([who, [], [refused]]);
      await sub.close();
      const page = await og.as(apiKey).execute(FeedPageDocument, { marketplaceId: m });
      expect([who, errorCodes(page)]).toEqual([who, [code]]);
    }
    for (const apiKey of [key, og.adminApiKey]) {
      const sub = subscribe(og.url, apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
      expect((await sub.waitForEvents(1)).map((e) => e.type)).toEqual(["ELIGIBLE"]);
      expect(sub.errors).toEqual([]);
      await sub.close();
    }
    // The admin may read any feed, but an id that is no marketplace is NOT_FOUND, not an empty feed.
    for (const marketplaceId of ["mkt_000000000000000000000000", w.sellerId]) {
      const sub = subscribe(og.url, og.adminApiKey, FeedSubscriptionDocument, { marketplaceId, after: "" });
      await sub.waitForEnd();
      expect(sub.errors.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
      await sub.close();
      expect(errorCodes(await og.admin.execute(FeedPageDocument, { marketplaceId }))).toEqual(["NOT_FOUND"]);
    }
    const badCursor = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "not-a-cursor" });
    await badCursor.waitForEnd();
    expect(badCursor.errors.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    await badCursor.close();
  });
});

describe("cursors", () => {
  it("are opaque, unique within a feed, and refused by another marketplace's feed (BAD_USER_INPUT) instead of skipping its events", async () => {
    const a = await listedOffer();
    const b = await listedOffer();
    await a.w.submit(a.m, 1001);
    const [first, second] = await readWholeFeed(og.admin, a.m);
    expect(first!.cursor).not.toBe(second!.cursor);
    expect(errorCodes(await og.admin.execute(FeedPageDocument, { marketplaceId: b.m, after: second!.cursor }))).toEqual(["BAD_USER_INPUT"]);
    const sub = subscribe(og.url, b.key, FeedSubscriptionDocument, { marketplaceId: b.m, after: second!.cursor });
    await sub.waitForEnd();
    expect(sub.errors.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    await sub.close();
    // Its own feed's cursors work, of course.
    const page = await og.admin.data(FeedPageDocument, { marketplaceId: a.m, after: first!.cursor });
    expect(page.offerEvents.edges.map((e) => e.cursor)).toEqual([second!.cursor]);
  });
});

describe("a fresh gateway", () => {
  it("serves a subscription that is its very first operation", async () => {
    const { m, key } = await listedOffer();
    const fresh = await startTestOffergate({ MONGODB_URI: og.app.mongoUri, ADMIN_API_KEY: og.adminApiKey });
    try {
      const sub = subscribe(fresh.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
      expect((await sub.waitForEvents(1)).map((e) => e.type)).toEqual(["ELIGIBLE"]);
      expect(sub.errors).toEqual([]);
      await sub.close();
    } finally {
      await fresh.close();
    }
  });
});

describe("a failure on one event", () => {
  // Its own service, without the gateway's cache of immutable entities: the
  // test breaks a product under the gateway, which that cache would hide.
  let raw: TestOffergate;
  beforeAll(async () => {
    raw = await startTestOffergate({ FEED_SWEEP_INTERVAL_MS: "3600000", FEED_POLL_MS: "3600000", ENTITY_CACHE_SIZE: "0" });
  });
  afterAll(() => raw.close());

  /** The service's own database, to break a document for a moment, as a failing disk or a bad migration would. */
  const withDb = async <T>(run: (db: mongoose.mongo.Db) => Promise<T>): Promise<T> => {
    const connection = await mongoose.createConnection(raw.app.mongoUri).asPromise();
    try {
      return await run(connection.db!);
    } finally {
      await connection.close();
    }
  };

  /** Removes one document and returns it, to put it back later. */
  const takeOut = async (collection: mongoose.mongo.Collection, filter: Record<string, unknown>) => {
    const doc = await collection.findOne(filter as never);
    await collection.deleteOne({ _id: doc!._id });
    return doc!;
  };

  it("stays with that event: later events carry no stale error, and no event is sent twice", async () => {
    const { w, m, key } = await listedOffer(raw);
    const sub = subscribe(raw.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    await sub.waitForEvents(1);
    // The product's record is unreadable for one event: its `offer { product { name } }` fails.
    const products = (db: mongoose.mongo.Db) => db.collection<{ _id: string; name: unknown }>("products");
    await withDb((db) => products(db).updateOne({ _id: w.productId }, { $set: { name: { not: "a string" } } }));
    await w.submit(m, 1001);
    await sub.waitForEvents(2);
    await withDb((db) => products(db).updateOne({ _id: w.productId }, { $set: { name: w.product.name } }));
    await w.submit(m, 1002);
    await w.submit(m, 1003);
    await sub.waitForEvents(4);
    await sleep(100);
    expect(sub.events.map((e) => e.price)).toEqual([1000, 1001, 1002, 1003]);
    expect(sub.errors).toHaveLength(1);
    expect(sub.errors[0]!.path).toEqual(["offerFeed", "offer", "product", "name"]);
    expect(sub.events.slice(2).map((e) => e.offer.product.name)).toEqual([w.product.name, w.product.name]);
    await sub.close();

    // An event whose own fetch fails (its offer is gone) is an error alone, not the previous event again.
    const other = await anotherSellerAt(m, 3, raw);
    await w.submit(m, 1004);
    const gone = await withDb((db) => takeOut(db.collection("offers"), { sellerId: other.sellerId }));
    const replay = subscribe(raw.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    await replay.waitForEvents(5);
    await sleep(200);
    expect(replay.events.map((e) => e.price)).toEqual([1000, 1001, 1002, 1003, 1004]);
    expect(new Set(replay.events.map((e) => e.cursor)).size).toBe(5);
    expect(replay.errors.map((e) => e.path)).toEqual([["offerFeed", "offer"]]);
    await withDb((db) => db.collection("offers").insertOne(gone));
    await replay.close();
  });
});

describe("the log", () => {
  it("a mutation that changes nothing appends nothing; each event keeps the offer's state of its moment", async () => {
    const { w, m, key, offerId } = await listedOffer();
    const sub = subscribe(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    await sub.waitForEvents(1);
    // No-ops: the same submission, the same stock, the same affiliation.
    await w.submit(m, 1000);
    await w.setStock(w.sellerId, 5);
    await w.affiliate(m);
    expect(await readWholeFeed(og.admin, m)).toHaveLength(1);
    // Real transitions, then withdrawing twice: one WITHDRAWN.
    await w.setStock(w.sellerId, 2);
    await w.setStock(w.sellerId, 0);
    await w.setStock(w.sellerId, 4);
    await og.admin.data(WithdrawOfferDocument, { offerId });
    await og.admin.data(WithdrawOfferDocument, { offerId });
    const all = await readWholeFeed(og.admin, m);
    expect(all.map((e) => [e.type, e.available, e.quantity, e.price, e.unavailableReason])).toEqual([
      ["ELIGIBLE", true, 5, 1000, null],
      ["UPDATED", true, 2, 1000, null],
      ["INELIGIBLE", false, 0, 1000, "SELLER_OUT_OF_STOCK"],
      ["ELIGIBLE", true, 4, 1000, null],
      ["WITHDRAWN", false, 0, 1000, "WITHDRAWN"],
    ]);
    expect(new Set(all.map((e) => e.cursor)).size).toBe(all.length);
    expect(all.every((e) => e.marketplaceId === m && e.offerId === offerId)).toBe(true);
    const times = all.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    await sub.waitForEvents(5);
    await sleep(100);
    expect(sub.events.map((e) => e.cursor)).toEqual(all.map((e) => e.cursor));
    // Replayed now: snapshots of their moment, `offer` as it is now (withdrawn).
    const replay = subscribe(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    await replay.waitForEvents(5);
    expect(replay.events.map((e) => e.quantity)).toEqual([5, 2, 0, 4, 0]);
    for (const e of replay.events) expect([e.offer.available, e.offer.quantity, e.offer.version]).toEqual([false, 0, 5]);
    await Promise.all([sub.close(), replay.close()]);
  });

  it("`offer` on a live event is the offer as it is when that event is sent, not as it was at the first one", async () => {
    const { w, m, key } = await listedOffer();
    const sub = subscribe(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    await sub.waitForEvents(1);
    for (let i = 1; i <= 3; i++) {
      await w.submit(m, 1000 + i);
      const [event] = (await sub.waitForEvents(1 + i)).slice(-1);
      expect([event!.price, event!.offer.price, event!.offer.version]).toEqual([1000 + i, 1000 + i, 1 + i]);
    }
    await sub.close();
  });

  it("under concurrent writers every offer's last event is its current state, and a live subscriber sees exactly the log", async () => {
    const { w, m, key } = await listedOffer();
    const sellers = [w, ...(await Promise.all([1, 2, 3].map(() => anotherSellerAt(m))))];
    const sub = subscribe(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    await sub.waitForEvents(4);
    const ops: (() => Promise<unknown>)[] = [];
    for (let i = 0; i < 48; i++) {
      const s = sellers[i % sellers.length]!;
      ops.push(i % 3 === 0 ? () => s.setStock(s.sellerId, (i * 7) % 5) : () => s.submit(m, 100 + i));
    }
    await Promise.all(ops.map((op) => op()));
    const all = await readWholeFeed(og.admin, m);
    await sub.waitForEvents(all.length);
    await sleep(100);
    expect(sub.events.map((e) => e.cursor)).toEqual(all.map((e) => e.cursor));
    expect(new Set(all.map((e) => e.cursor)).size).toBe(all.length);
    await sub.close();
    // Replayed now, when `offer` is the current state: each offer's last event shows its
    // availability and quantity; its price too while it is available (a price change of an
    // unavailable offer is no transition, so it emits nothing).
    const replay = subscribe(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    await replay.waitForEvents(all.length);
    const last = new Map(replay.events.map((e) => [e.offerId, e]));
    expect(last.size).toBe(4);
    for (const e of last.values()) {
      expect([e.available, e.quantity]).toEqual([e.offer.available, e.offer.quantity]);
      if (e.offer.available) expect(e.price).toBe(e.offer.price);
    }
    await replay.close();
  });
});

/** The database commands counted on `/metrics`, by "collection command". */
async function dbCommand(key: string): Promise<number> {
  const { body } = await httpGet(`${og.origin}/metrics`);
  const [collection, command] = key.split(" ");
  const match = new RegExp(`^offergate_db_commands_total\\{collection="${collection}",command="${command}"\\} (\\d+)`, "m").exec(body);
  return Number(match?.[1] ?? 0);
}

/** A counter on `/metrics` with no labels. */
async function metric(name: string): Promise<number> {
  const { body } = await httpGet(`${og.origin}/metrics`);
  return Number(new RegExp(`^${name} (\\d+)`, "m").exec(body)?.[1] ?? 0);
}

describe("fan-out", () => {
  it("hands an event to a marketplace's subscribers, however many, without a read of the log, and does nothing once they leave", async () => {
    const { w, m, key } = await listedOffer();
    const readsFor = async (subscribers: number) => {
      const subs = Array.from({ length: subscribers }, () => subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" }));
      const n = (await readWholeFeed(og.admin, m)).length;
      await Promise.all(subs.map((s) => s.waitForEvents(n)));
      // Every subscriber has caught up and joined the hub: now one more event.
      await sleep(50);
      const before = [await dbCommand("feed_events find"), await metric("offergate_feed_handovers_total")];
      await w.submit(m, 5000 + n);
      await Promise.all(subs.map((s) => s.waitForEvents(n + 1)));
      const after = [await dbCommand("feed_events find"), await metric("offergate_feed_handovers_total")];
      expect(subs.map((s) => s.events.length)).toEqual(subs.map(() => n + 1));
      await Promise.all(subs.map((s) => s.close()));
      return { reads: after[0]! - before[0]!, handovers: after[1]! - before[1]! };
    };
    expect(await readsFor(1)).toEqual({ reads: 0, handovers: 1 });
    expect(await readsFor(25)).toEqual({ reads: 0, handovers: 1 });
    // Nobody listens any more: an event costs neither.
    await sleep(200);
    const before = [await dbCommand("feed_events find"), await metric("offergate_feed_handovers_total")];
    await w.submit(m, 9999);
    await sleep(200);
    expect([await dbCommand("feed_events find"), await metric("offergate_feed_handovers_total")]).toEqual(before);
  });
});
