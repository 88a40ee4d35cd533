import { randomBytes } from "node:crypto";
import type { Connection } from "mongoose";
import { createExchangeSubgraph } from "../../src/exchange";
import { EMBEDDED_FEED_PARTITIONS, feedPartitions } from "../../src/exchange/feed/feed.layout";
import { feedEventModels } from "../../src/exchange/feed/feed.model";
import { FeedRepository } from "../../src/exchange/feed/feed.repository";
import { FeedService } from "../../src/exchange/feed/feed.service";
import { settingsModel } from "../../src/exchange/marketplace/settings.model";
import { SettingsRepository } from "../../src/exchange/marketplace/settings.repository";
import { numberedOutbox, offerModel, type OfferRecord } from "../../src/exchange/offer/offer.model";
import { OfferReconciler } from "../../src/exchange/offer/offer.reconciler";
import { OfferRepository } from "../../src/exchange/offer/offer.repository";
import { routeModel } from "../../src/exchange/route/route.model";
import { RouteRepository } from "../../src/exchange/route/route.repository";
import { stockModel } from "../../src/exchange/stock/stock.model";
import { StockRepository } from "../../src/exchange/stock/stock.repository";
import { createLocalBus } from "../../src/shared/bus";
import { newId } from "../../src/shared/ids";
import { ensureIndexes } from "../../src/shared/mongo";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { draftDirectOffer } from "../helpers/offers";

/** The layout the embedded database gets: events spread over partitions. */
const LAYOUT = { whenUnset: EMBEDDED_FEED_PARTITIONS };

let mongo: TestMongo;
beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(() => mongo.stop());

/**
 * The exchange's data layer on a fresh database, without the mutations'
 * propagation step: what a process does up to the moment it would flush an
 * offer's outbox to the feed, and then crashes.
 */
async function dataLayer(connection: Connection) {
  const models = {
    offers: offerModel(connection),
    stock: stockModel(connection),
    routes: routeModel(connection),
    settings: settingsModel(connection),
  };
  // The feed laid out as the exchange lays it out on this database (partitioned on the embedded engine).
  const feedModels = feedEventModels(connection, await feedPartitions(connection, LAYOUT));
  await ensureIndexes([...Object.values(models), ...feedModels]);
  const offers = new OfferRepository(models.offers);
  const stock = new StockRepository(models.stock);
  return {
    models,
    offers,
    stock,
    feed: new FeedRepository(feedModels),
    reconciler: new OfferReconciler(offers, stock, new RouteRepository(models.routes), new SettingsRepository(models.settings)),
  };
}

/** Starts the exchange subgraph as a restarted process would (its start-up sweep included). */
const restartExchange = (connection: Connection) =>
  createExchangeSubgraph({
    connection,
    bus: createLocalBus(),
    internalSecret: randomBytes(32).toString("base64url"),
    maxForwardDepth: 3,
    feedSweepIntervalMs: 3_600_000,
    feedLayout: LAYOUT,
    // Not reached: nothing here asks another subgraph about an entity.
    accountsUrl: () => "http://127.0.0.1:9/graphql",
    catalogUrl: () => "http://127.0.0.1:9/graphql",
  });

describe("the outbox: a crash between an offer's change and its feed event loses nothing", () => {
  it("an event written with the offer but never flushed reaches the feed once, when the exchange starts again", async () => {
    const connection = await mongo.connect();
    const db = await dataLayer(connection);
    const [sellerId, marketplaceId, productId] = [newId("seller"), newId("marketplace"), newId("product")];
    await db.stock.compareAndSet(sellerId, productId, 7, 0);

    // The write a submitOffer makes: the offer and its ELIGIBLE event, in one document. Then the process dies.
    const offer = await db.reconciler.initial(
      draftDirectOffer({ sellerId, marketplaceId, productId, price: 1500 }),
    );
    expect(await db.offers.insert(offer)).toBe(true);
    // A second change, also unflushed: a new price (UPDATED), written by the reconciler's compare-and-set.
    await db.reconciler.apply([offer._id], () => ({ price: 1700 }));
    expect(await db.feed.after(marketplaceId, 0, 10)).toEqual([]);
    expect((await db.offers.findById(offer._id))!.hasPending).toBe(true);

    const exchange = await restartExchange(connection);
    await exchange.stop();
    const events = await db.feed.after(marketplaceId, 0, 10);
    expect(events.map((e) => [e.seq, e.type, e.offerId, e.price, e.quantity, e.available])).toEqual([
      [1, "ELIGIBLE", offer._id, 1500, 7, true],
      [2, "UPDATED", offer._id, 1700, 7, true],
    ]);
    expect((await db.offers.findById(offer._id))!.hasPending).toBe(false);
  });

  it("a crash after the append but before the offer is marked flushed, and racing sweeps, still append each event once", async () => {
    const connection = await mongo.connect();
    const db = await dataLayer(connection);
    const [sellerId, marketplaceId, productId] = [newId("seller"), newId("marketplace"), newId("product")];
    await db.stock.compareAndSet(sellerId, productId, 3, 0);
    const offer = await db.reconciler.initial(
      draftDirectOffer({ sellerId, marketplaceId, productId, price: 100 }),
    );
    await db.offers.insert(offer);
    for (const price of [101, 102, 103]) await db.reconciler.apply([offer._id], () => ({ price }));
    const pending = (await db.offers.findById(offer._id))!;
    // Each waiting event keeps the price it was raised at, although the offer's price moved on.
    expect(numberedOutbox(pending).map((e) => [e.eventNo, e.price])).toEqual([[1, 100], [2, 101], [3, 102], [4, 103]]);
    // The first two made it into the log before the crash; the offer was never marked.
    for (const event of numberedOutbox(pending).slice(0, 2)) await db.feed.append(marketplaceId, offer._id, event);

    // Two processes come back at once, and each sweeps (at start-up, and again).
    const [a, b] = await Promise.all([restartExchange(connection), restartExchange(connection)]);
    await Promise.all([a.services.feed.sweep(), b.services.feed.sweep(), a.services.feed.sweep()]);
    a.stop();
    b.stop();
    const events = await db.feed.after(marketplaceId, 0, 10);
    expect(events.map((e) => [e.seq, e.type, e.price])).toEqual([
      [1, "ELIGIBLE", 100],
      [2, "UPDATED", 101],
      [3, "UPDATED", 102],
      [4, "UPDATED", 103],
    ]);
    expect(new Set(events.map((e) => e._id)).size).toBe(4);
  });

  it("an offer that gains an event while its flush is under way stays pending, and that event reaches the feed once", async () => {
    const connection = await mongo.connect();
    const db = await dataLayer(connection);
    const feed = new FeedService(db.offers, db.feed, createLocalBus(), { require: async () => undefined });
    const [sellerId, productId] = [newId("seller"), newId("product")];
    await db.stock.compareAndSet(sellerId, productId, 4, 0);
    const marketplaces = [newId("marketplace"), newId("marketplace")];
    const offers = [];
    for (const marketplaceId of marketplaces) {
      const offer = await db.reconciler.initial(
        draftDirectOffer({ sellerId, marketplaceId, productId, price: 500 }),
      );
      await db.offers.insert(offer);
      offers.push(offer);
    }
    // The flush reads both offers as they are now; then the second gets a new price before it is marked.
    const snapshot = await db.offers.findByIds(offers.map((o) => o._id));
    await db.reconciler.apply([offers[1]!._id], () => ({ price: 600 }));
    await feed.flush(snapshot);

    const [first, second] = [(await db.offers.findById(offers[0]!._id))!, (await db.offers.findById(offers[1]!._id))!];
    expect([first.hasPending, first.flushedThrough]).toEqual([false, 1]);
    expect([second.hasPending, second.flushedThrough, second.eventCount]).toEqual([true, 1, 2]);

    await feed.sweep();
    expect((await db.offers.findById(offers[1]!._id))!.hasPending).toBe(false);
    expect((await db.feed.after(marketplaces[0]!, 0, 10)).map((e) => [e.seq, e.type, e.price])).toEqual([[1, "ELIGIBLE", 500]]);
    expect((await db.feed.after(marketplaces[1]!, 0, 10)).map((e) => [e.seq, e.type, e.price])).toEqual([
      [1, "ELIGIBLE", 500],
      [2, "UPDATED", 600],
    ]);
  });
});

describe("the outbox of offers changed alike", () => {
  it("a stock change writes a seller's offers, at different prices, revs and versions, in one update, and each event keeps its own offer's number and price", async () => {
    const connection = await mongo.connect({ monitorCommands: true });
    const statements: number[] = [];
    connection.getClient().on("commandStarted", (e) => {
      if (e.commandName === "update" && e.command.update === "offers") statements.push(e.command.updates.length);
    });
    const db = await dataLayer(connection);
    const [sellerId, productId] = [newId("seller"), newId("product")];
    await db.stock.compareAndSet(sellerId, productId, 5, 0);
    const offers = [];
    for (const price of [100, 200, 300, 400]) {
      const offer = await db.reconciler.initial(draftDirectOffer({ sellerId, marketplaceId: newId("marketplace"), productId, price }));
      await db.offers.insert(offer);
      offers.push(offer);
    }
    const ids = offers.map((o) => o._id);
    // Their histories differ: the third had its price changed twice (rev 2, version 3, three events).
    await db.reconciler.apply([ids[2]!], () => ({ price: 310 }));
    await db.reconciler.apply([ids[2]!], () => ({ price: 320 }));
    // Everything so far reached the feed, except the fourth's first event.
    const feed = new FeedService(db.offers, db.feed, createLocalBus(), { require: async () => undefined });
    await feed.flush(await db.offers.findByIds(ids.slice(0, 3)));

    await db.stock.compareAndSet(sellerId, productId, 9, 1);
    statements.length = 0;
    const written = await db.reconciler.apply(ids);
    // The first three share one write (from revs 0, 0 and 2); the fourth still carries its waiting event, so its own.
    expect(statements).toEqual([2]);
    const stored = await db.offers.findByIds(ids);
    const byId = new Map(stored.map((o) => [o._id, o]));
    expect(ids.map((id) => [byId.get(id)!.rev, byId.get(id)!.version, byId.get(id)!.eventCount, byId.get(id)!.quantity])).toEqual([
      [1, 2, 2, 9],
      [1, 2, 2, 9],
      [3, 4, 4, 9],
      [1, 2, 2, 9],
    ]);
    // What the reconciler returns is what was stored (but the batch's internal token).
    const untokened = (o: OfferRecord | undefined) => ({ ...o, writeToken: undefined });
    for (const id of ids) expect(untokened(written.get(id))).toEqual(untokened(byId.get(id)));

    await feed.flush(written.values());
    const last = await Promise.all(offers.map(async (o) => (await db.feed.after(o.marketplaceId, 0, 10)).map((e) => [e._id, e.type, e.price, e.quantity])));
    expect(last).toEqual([
      [[`${ids[0]}:1`, "ELIGIBLE", 100, 5], [`${ids[0]}:2`, "UPDATED", 100, 9]],
      [[`${ids[1]}:1`, "ELIGIBLE", 200, 5], [`${ids[1]}:2`, "UPDATED", 200, 9]],
      [
        [`${ids[2]}:1`, "ELIGIBLE", 300, 5],
        [`${ids[2]}:2`, "UPDATED", 310, 5],
        [`${ids[2]}:3`, "UPDATED", 320, 5],
        [`${ids[2]}:4`, "UPDATED", 320, 9],
      ],
      [[`${ids[3]}:1`, "ELIGIBLE", 400, 5], [`${ids[3]}:2`, "UPDATED", 400, 9]],
    ]);
  });
});
