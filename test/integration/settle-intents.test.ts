import { randomBytes } from "node:crypto";
import type { Connection } from "mongoose";
import { createExchangeSubgraph } from "../../src/exchange";
import { EMBEDDED_FEED_PARTITIONS, feedPartitions } from "../../src/exchange/feed/feed.layout";
import { feedEventModels } from "../../src/exchange/feed/feed.model";
import { FeedRepository } from "../../src/exchange/feed/feed.repository";
import { settingsModel } from "../../src/exchange/marketplace/settings.model";
import { SettingsRepository } from "../../src/exchange/marketplace/settings.repository";
import { draftOffer, forwardedOfferKey, offerModel, type OfferRecord } from "../../src/exchange/offer/offer.model";
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
 * Each case makes the first write of a mutation (the change of a fact, with
 * its intent) through the data layer, and stops there, as a process killed
 * right after it would. Starting the exchange again must finish the work.
 * (test/e2e/crash-propagation.test.ts kills the real service at random.)
 */
async function world(connection: Connection) {
  const models = { offers: offerModel(connection), stock: stockModel(connection), routes: routeModel(connection), settings: settingsModel(connection) };
  const feedModels = feedEventModels(connection, await feedPartitions(connection, LAYOUT));
  await ensureIndexes([...Object.values(models), ...feedModels]);
  const offers = new OfferRepository(models.offers);
  const stock = new StockRepository(models.stock);
  const routes = new RouteRepository(models.routes);
  const settings = new SettingsRepository(models.settings);
  const reconciler = new OfferReconciler(offers, stock, routes, settings);
  const feed = new FeedRepository(feedModels);

  // Seller S at A (stock 7), forwarded by A (stock 2) to B over an active SELLER_GATED route; all settled.
  const [sellerId, a, b, productId] = [newId("seller"), newId("marketplace"), newId("marketplace"), newId("product")];
  await stock.compareAndSet(sellerId, productId, 7, 0);
  await stock.compareAndSet(a, productId, 2, 0);
  await routes.create({ fromId: a, toId: b, active: true, autoForward: false, quantityPolicy: "SELLER_GATED" });
  const direct = await reconciler.initial(draftDirectOffer({ sellerId, marketplaceId: a, productId, price: 1500 }));
  await offers.insert(direct);
  const forward = await reconciler.initial(
    draftOffer(newId("offer"), {
      key: forwardedOfferKey(direct._id, b),
      sellerId,
      marketplaceId: b,
      productId,
      sourceId: direct._id,
      viaId: a,
      path: [sellerId, a, b],
      depth: 1,
      price: 1500,
      currency: "BRL",
      status: "ACTIVE",
    }),
  );
  await offers.insert(forward);
  const restart = async () => {
    const exchange = await createExchangeSubgraph({
      connection,
      bus: createLocalBus(),
      internalSecret: randomBytes(32).toString("base64url"),
      maxForwardDepth: 3,
      feedSweepIntervalMs: 3_600_000,
      feedLayout: LAYOUT,
      accountsUrl: () => "http://127.0.0.1:9/graphql",
      catalogUrl: () => "http://127.0.0.1:9/graphql",
    });
    exchange.stop();
  };
  await restart(); // settles the new offers and flushes their ELIGIBLE events
  const shown = async (id: string) => {
    const o = (await offers.findById(id)) as OfferRecord;
    return { available: o.available, quantity: o.quantity, reason: o.unavailableReason, price: o.price, settleAt: o.settleAt };
  };
  const eventsAt = async (m: string) => (await feed.after(m, 0, 100)).map((e) => [e.seq, e.type, e.quantity, e.price]);
  return { models, offers, stock, routes, settings, reconciler, restart, shown, eventsAt, sellerId, a, b, productId, direct, forward };
}

describe("a change whose propagation a crash cut short is finished when the exchange starts again", () => {
  it("a forwarder's stock dropping to 0: the forward becomes FORWARDER_OUT_OF_STOCK, with its event, and the intent closes", async () => {
    const w = await world(await mongo.connect());
    expect(await w.shown(w.forward._id)).toEqual({ available: true, quantity: 7, reason: null, price: 1500, settleAt: undefined });
    await w.stock.setIfChanged(w.a, w.productId, 0); // setStock's write; the process dies before the offers
    expect((await w.models.stock.findById(`${w.a}:${w.productId}`).lean())!.intent).toBeDefined();
    expect((await w.shown(w.forward._id)).available).toBe(true); // the gate is broken until someone settles it

    await w.restart();
    expect(await w.shown(w.forward._id)).toMatchObject({ available: false, quantity: 0, reason: "FORWARDER_OUT_OF_STOCK" });
    expect(await w.eventsAt(w.b)).toEqual([
      [1, "ELIGIBLE", 7, 1500],
      [2, "INELIGIBLE", 0, 1500],
    ]);
    expect((await w.models.stock.findById(`${w.a}:${w.productId}`).lean())!.intent).toBeUndefined();
  });

  it("setStocks' bulk write of levels (a CSV import's too): the forward and the seller's own offer follow, and the intent closes", async () => {
    const w = await world(await mongo.connect());
    const version = async (owner: string) => (await w.stock.getMany([{ ownerId: owner, productId: w.productId }])).get(`${owner}:${w.productId}`)!.version;
    // setStocks' write of two levels; the process dies before the offers
    await w.stock.compareAndSetMany([
      { ownerId: w.a, productId: w.productId, quantity: 0, version: await version(w.a) },
      { ownerId: w.sellerId, productId: w.productId, quantity: 4, version: await version(w.sellerId) },
    ]);
    expect((await w.models.stock.find({ intent: { $exists: true } }).lean()).length).toBe(2);

    await w.restart();
    expect(await w.shown(w.direct._id)).toMatchObject({ available: true, quantity: 4 });
    expect(await w.shown(w.forward._id)).toMatchObject({ available: false, quantity: 0, reason: "FORWARDER_OUT_OF_STOCK" });
    expect(await w.models.stock.countDocuments({ intent: { $exists: true } })).toBe(0);
  });

  it("a route closed: the forward over it becomes ROUTE_CLOSED", async () => {
    const w = await world(await mongo.connect());
    await w.routes.update(w.a, w.b, { active: false });
    await w.restart();
    expect(await w.shown(w.forward._id)).toMatchObject({ available: false, reason: "ROUTE_CLOSED" });
    expect((await w.models.routes.findById(`${w.a}:${w.b}`).lean())!.intent).toBeUndefined();
  });

  it("the gate switched off at a forwarder without stock: the forward becomes available again", async () => {
    const w = await world(await mongo.connect());
    await w.stock.setIfChanged(w.a, w.productId, 0);
    await w.restart();
    expect((await w.shown(w.forward._id)).reason).toBe("FORWARDER_OUT_OF_STOCK");
    await w.settings.update(w.a, { requireStockToForward: false }, { id: "crashed", at: new Date() });
    await w.restart();
    expect(await w.shown(w.forward._id)).toMatchObject({ available: true, quantity: 7, reason: null });
    expect((await w.models.settings.findById(w.a).lean())!.intent).toBeUndefined();
  });

  it("a new price written to the source only: the forward takes it, and both intents close", async () => {
    const w = await world(await mongo.connect());
    await w.reconciler.apply([w.direct._id], () => ({ price: 1700 })); // submitOffer's write, before the downstream
    expect((await w.shown(w.direct._id)).settleAt).toBeInstanceOf(Date);
    expect((await w.shown(w.forward._id)).price).toBe(1500);

    await w.restart();
    expect(await w.shown(w.forward._id)).toEqual({ available: true, quantity: 7, reason: null, price: 1700, settleAt: undefined });
    expect((await w.shown(w.direct._id)).settleAt).toBeUndefined();
    expect(await w.eventsAt(w.b)).toEqual([
      [1, "ELIGIBLE", 7, 1500],
      [2, "UPDATED", 7, 1700],
    ]);
  });
});
