import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import mongoose, { type Connection, type Model } from "mongoose";
import { createAccountsSubgraph } from "../../src/accounts";
import { createCatalogSubgraph } from "../../src/catalog";
import { createExchangeSubgraph } from "../../src/exchange";
import { MAX_FEED_PARTITIONS } from "../../src/exchange/feed/feed.layout";
import { feedCollection, feedEventModels } from "../../src/exchange/feed/feed.model";
import { FeedRepository } from "../../src/exchange/feed/feed.repository";
import { settingsModel } from "../../src/exchange/marketplace/settings.model";
import { SettingsRepository } from "../../src/exchange/marketplace/settings.repository";
import { directOfferKey, offerModel, type NumberedEvent, type OfferRecord } from "../../src/exchange/offer/offer.model";
import { OfferReconciler } from "../../src/exchange/offer/offer.reconciler";
import { OfferRepository } from "../../src/exchange/offer/offer.repository";
import { routeModel } from "../../src/exchange/route/route.model";
import { RouteRepository } from "../../src/exchange/route/route.repository";
import { stockModel } from "../../src/exchange/stock/stock.model";
import { StockRepository } from "../../src/exchange/stock/stock.repository";
import { MAX_WEBHOOKS_PER_MARKETPLACE } from "../../src/exchange/webhook/webhook.service";
import { createLocalBus } from "../../src/shared/bus";
import { loadConfig, type Config } from "../../src/shared/config";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { newId } from "../../src/shared/ids";
import { MONGO_TIMEOUTS } from "../../src/shared/mongo";
import { startSubgraphServer, type RunningSubgraph } from "../../src/shared/subgraph-server";
import { ADMIN } from "../helpers/subgraph";
import { draftDirectOffer } from "../helpers/offers";

/**
 * Readiness for a real MongoDB. The service as production wires it (the three
 * subgraphs, each on its own connection, the feed laid out as configuration
 * gives it with MONGODB_URI: one collection) runs on the server at
 * MONGODB_URI (Atlas, a replica set); unset, on an external jongodb process,
 * which is what CI runs, at the same small sizes. Each run works in a database
 * of its own and drops it at the end.
 */
const GIVEN_URI = process.env.MONGODB_URI;
/** What a person reads in the output: where this ran. Credentials never appear. */
const SHOWN_URI = GIVEN_URI?.replace(/\/\/[^@/]*@/, "//***@");
const TARGET = GIVEN_URI ? `MongoDB at MONGODB_URI (${SHOWN_URI})` : "an external jongodb (MONGODB_URI unset)";
const CONNECT_TIMEOUT_MS = 10_000;

jest.setTimeout(90_000);

let jongodb: EmbeddedMongo | undefined;
let uri: string;
const dbName = `offergate_readiness_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
const connections: Connection[] = [];
const servers: RunningSubgraph[] = [];
const stops: (() => Promise<void>)[] = [];
let config: Config;
let conn: { accounts: Connection; catalog: Connection; exchange: Connection };
let accounts: Awaited<ReturnType<typeof createAccountsSubgraph>>;
let catalog: Awaited<ReturnType<typeof createCatalogSubgraph>>;
let exchange: Awaited<ReturnType<typeof createExchangeSubgraph>>;
const internalSecret = randomBytes(32).toString("base64url");

/** A connection as connectMongo opens one (the same timeouts and pool), to this run's database. */
async function connect(name: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    dbName,
    appName: `offergate-readiness-${name}`,
    ...MONGO_TIMEOUTS,
    serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS,
    maxPoolSize: 50,
  });
  connections.push(connection);
  try {
    await connection.asPromise();
  } catch (error) {
    if (!GIVEN_URI) throw error;
    throw new Error(`MONGODB_URI is set, but no MongoDB answered at ${SHOWN_URI} within ${CONNECT_TIMEOUT_MS / 1000} s: ${(error as Error).message}`);
  }
  return connection;
}

/** Starts the exchange subgraph as a (re)started process does. */
async function startExchange(connection: Connection) {
  const started = await createExchangeSubgraph({
    connection,
    bus: createLocalBus(),
    internalSecret,
    maxForwardDepth: config.maxForwardDepth,
    feedSweepIntervalMs: 3_600_000,
    feedLayout: config.feedLayout,
    // Webhooks pointing at a closed loopback port: created and counted, never delivered.
    webhooks: { allowPrivateTargets: true, pollMs: 3_600_000 },
    accountsUrl: () => servers[0]!.url,
    catalogUrl: () => servers[1]!.url,
  });
  stops.push(started.stop);
  return started;
}

beforeAll(async () => {
  if (GIVEN_URI) {
    uri = GIVEN_URI;
  } else {
    jongodb = await startJongodb();
    uri = jongodb.uri;
  }
  console.info(
    `MongoDB readiness: running on ${TARGET}, database ${dbName}.` +
      (GIVEN_URI ? "" : " Set MONGODB_URI (a replica set or Atlas URI) to run it on a real MongoDB; nothing here was run on one otherwise."),
  );
  // The production configuration: MONGODB_URI set, FEED_PARTITIONS unset.
  config = loadConfig({ MONGODB_URI: uri });
  conn = { accounts: await connect("accounts"), catalog: await connect("catalog"), exchange: await connect("exchange") };
  accounts = await createAccountsSubgraph({ connection: conn.accounts, adminApiKey: `og_admin_${randomBytes(18).toString("base64url")}`, internalSecret });
  catalog = await createCatalogSubgraph({ connection: conn.catalog, internalSecret });
  servers.push(await startSubgraphServer(accounts, 0), await startSubgraphServer(catalog, 0));
  exchange = await startExchange(conn.exchange);
});

afterAll(async () => {
  for (const stop of stops) await stop().catch(() => undefined);
  for (const server of servers) await server.close().catch(() => undefined);
  await conn?.exchange.db?.dropDatabase().catch(() => undefined);
  for (const c of connections) await c.close().catch(() => undefined);
  await jongodb?.stop();
});

/** Settles every promise; the codes of the ones that failed, in order (a failure without a code is rethrown). */
async function outcomes<T>(work: Promise<T>[]): Promise<{ ok: T[]; codes: string[] }> {
  const settled = await Promise.allSettled(work);
  const ok: T[] = [];
  const codes: string[] = [];
  for (const s of settled) {
    if (s.status === "fulfilled") ok.push(s.value);
    else if (typeof (s.reason as { code?: unknown }).code === "string") codes.push((s.reason as { code: string }).code);
    else throw s.reason;
  }
  return { ok, codes };
}

/** A seller affiliated with a marketplace, and a product the seller has in stock. */
async function world(stock = 5) {
  const seller = (await accounts.services.sellers.create(ADMIN, "Readiness Seller")).account.id;
  const marketplace = (await accounts.services.marketplaces.create(ADMIN, "Readiness Market")).account.id;
  const product = (await catalog.services.products.create(ADMIN, { gtin: randomGtin(), name: "Readiness Pen" })).id;
  await exchange.services.affiliations.affiliate(ADMIN, seller, marketplace);
  if (stock > 0) await exchange.services.stock.set(ADMIN, { ownerId: seller, productId: product, quantity: stock });
  return { seller, marketplace, product };
}

/** A valid GTIN-13 no other case uses: 12 random digits and their check digit. */
function randomGtin(): string {
  const digits = Array.from(randomBytes(12), (b) => b % 10);
  const sum = digits.reduce((s, d, i) => s + d * (i % 2 === 0 ? 1 : 3), 0);
  return [...digits, (10 - (sum % 10)) % 10].join("");
}

describe(`MongoDB readiness on ${TARGET}`, () => {
  it("lays the feed log out as configuration says for MONGODB_URI: one collection, recorded in feed_layout", async () => {
    expect(config.feedLayout).toEqual({ configured: undefined, whenUnset: 1 });
    const db = conn.exchange.db!;
    expect(await db.collection("feed_layout").find({}).toArray()).toEqual([{ _id: "feed_events", partitions: 1 }]);
    const { seller, marketplace, product } = await world();
    await exchange.services.offers.submit(ADMIN, { sellerId: seller, marketplaceId: marketplace, productId: product, price: 1000, currency: "BRL" });
    expect(await db.collection("feed_events").countDocuments({ marketplaceId: marketplace })).toBe(1);
    // No event anywhere else a partitioned layout would put one (the embedded server has no listCollections).
    const elsewhere = await Promise.all(
      Array.from({ length: MAX_FEED_PARTITIONS - 1 }, (_, p) => db.collection(feedCollection(p + 1)).countDocuments({})),
    );
    expect(elsewhere.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it("builds every index each model declares, with its unique and sparse options", async () => {
    const problems: string[] = [];
    let checked = 0;
    let unique = 0;
    for (const connection of Object.values(conn)) {
      for (const model of Object.values(connection.models) as Model<unknown>[]) {
        const onServer = (await model.listIndexes()) as { key: Record<string, number>; unique?: boolean; sparse?: boolean }[];
        const where = model.collection.collectionName;
        if (!onServer.some((i) => JSON.stringify(i.key) === JSON.stringify({ _id: 1 }))) problems.push(`${where}: no _id index`);
        for (const [fields, options] of model.schema.indexes() as [Record<string, number>, { unique?: boolean; sparse?: boolean }][]) {
          checked++;
          if (options.unique) unique++;
          const found = onServer.find((i) => JSON.stringify(i.key) === JSON.stringify(fields));
          if (!found) problems.push(`${where}: ${JSON.stringify(fields)} missing`);
          else if (!!found.unique !== !!options.unique || !!found.sparse !== !!options.sparse) {
            problems.push(`${where}: ${JSON.stringify(fields)} is unique=${!!found.unique} sparse=${!!found.sparse}, declared unique=${!!options.unique} sparse=${!!options.sparse}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    // The models were all there: products' GTIN, offers' key and the feed's (marketplace, seq) are unique.
    expect(checked).toBeGreaterThanOrEqual(20);
    expect(unique).toBeGreaterThanOrEqual(3);
  });

  describe("a duplicate key comes out as the contract says", () => {
    it("a product's GTIN again is ALREADY_EXISTS; of concurrent creates exactly one wins", async () => {
      const gtin = randomGtin();
      await catalog.services.products.create(ADMIN, { gtin, name: "First" });
      await expect(catalog.services.products.create(ADMIN, { gtin, name: "Again" })).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
      const racing = randomGtin();
      const { ok, codes } = await outcomes([1, 2, 3, 4].map((i) => catalog.services.products.create(ADMIN, { gtin: racing, name: `Racer ${i}` })));
      expect([ok.length, codes]).toEqual([1, ["ALREADY_EXISTS", "ALREADY_EXISTS", "ALREADY_EXISTS"]]);
      expect(await conn.catalog.db!.collection("products").countDocuments({ gtin14: `0${racing}` })).toBe(1);
    });

    it("affiliateSeller, openRoute and submitOffer, each sent four times at once, leave one record and the same answer", async () => {
      const { seller, marketplace, product } = await world();
      const other = (await accounts.services.marketplaces.create(ADMIN, "Readiness Other")).account.id;
      const affiliated = await outcomes([1, 2, 3, 4].map(() => exchange.services.affiliations.affiliate(ADMIN, seller, other)));
      expect(affiliated.codes).toEqual([]);
      const routes = await outcomes([1, 2, 3, 4].map(() => exchange.services.routes.open(ADMIN, { fromMarketplaceId: marketplace, toMarketplaceId: other })));
      expect(routes.codes).toEqual([]);
      const input = { sellerId: seller, marketplaceId: marketplace, productId: product, price: 1234, currency: "BRL" };
      const offers = await outcomes([1, 2, 3, 4].map(() => exchange.services.offers.submit(ADMIN, input)));
      expect(offers.codes).toEqual([]);
      expect(new Set(offers.ok.map((o) => o.id)).size).toBe(1);

      const db = conn.exchange.db!;
      expect(await db.collection("affiliations").countDocuments({ sellerId: seller, marketplaceId: other })).toBe(1);
      expect(await db.collection("routes").countDocuments({ fromId: marketplace, toId: other })).toBe(1);
      expect(await db.collection("offers").countDocuments({ key: directOfferKey(seller, marketplace, product) })).toBe(1);
      // One offer, one first event: the losers' inserts added nothing to the feed.
      expect((await exchange.services.feed.page(ADMIN, marketplace, { after: "", first: 10 })).edges).toHaveLength(1);
    });

    it("setStock with expectedVersion 0 on a new level: one wins, the others are VERSION_CONFLICT; adjustStock's racing first writes all add up", async () => {
      const { seller, product } = await world(0);
      const set = await outcomes([3, 4, 5, 6].map((quantity) => exchange.services.stock.set(ADMIN, { ownerId: seller, productId: product, quantity, expectedVersion: 0 })));
      expect([set.ok.length, set.codes]).toEqual([1, ["VERSION_CONFLICT", "VERSION_CONFLICT", "VERSION_CONFLICT"]]);
      expect(await exchange.services.stock.get(ADMIN, seller, product)).toMatchObject({ quantity: set.ok[0]!.quantity, version: 1 });

      const market = (await accounts.services.marketplaces.create(ADMIN, "Readiness Stock")).account.id;
      const adjusted = await outcomes(Array.from({ length: 8 }, () => exchange.services.stock.adjust(ADMIN, { ownerId: market, productId: product, delta: 2 })));
      expect(adjusted.codes).toEqual([]);
      expect(await exchange.services.stock.get(ADMIN, market, product)).toMatchObject({ quantity: 16, version: 8 });
    });

    it(`webhooks: of ${MAX_WEBHOOKS_PER_MARKETPLACE + 2} created at once, ${MAX_WEBHOOKS_PER_MARKETPLACE} are; the rest are BAD_USER_INPUT (the full counter's upsert hits its _id)`, async () => {
      const { marketplace } = await world(0);
      const created = await outcomes(
        Array.from({ length: MAX_WEBHOOKS_PER_MARKETPLACE + 2 }, (_, i) =>
          exchange.services.webhooks.create(ADMIN, { marketplaceId: marketplace, url: `http://127.0.0.1:9/hook/${i}` }),
        ),
      );
      expect([created.ok.length, created.codes]).toEqual([MAX_WEBHOOKS_PER_MARKETPLACE, ["BAD_USER_INPUT", "BAD_USER_INPUT"]]);
      const db = conn.exchange.db!;
      expect(await db.collection("webhooks").countDocuments({ marketplaceId: marketplace })).toBe(MAX_WEBHOOKS_PER_MARKETPLACE);
      expect(await db.collection("webhook_counts").findOne({ _id: marketplace as never })).toMatchObject({ count: MAX_WEBHOOKS_PER_MARKETPLACE });
    });

    it("an account's first key rotations racing to create its record: every one succeeds, the generation counts them all", async () => {
      const seller = (await accounts.services.sellers.create(ADMIN, "Readiness Rotator")).account.id;
      const rotated = await outcomes([1, 2, 3].map(() => accounts.services.keyRotation.rotate(ADMIN, seller)));
      expect(rotated.codes).toEqual([]);
      expect(await conn.accounts.db!.collection("account_keys").findOne({ _id: seller as never })).toMatchObject({ generation: 3 });
    });

    it("offers inserted in one unordered batch: one whose key exists is left out, the others go in", async () => {
      const { seller, marketplace, product } = await world(0);
      const offers = new OfferRepository(offerModel(conn.exchange));
      const existing = draftDirectOffer({ sellerId: seller, marketplaceId: marketplace, productId: product, price: 100 });
      expect(await offers.insert(existing)).toBe(true);
      expect(await offers.insert({ ...existing, _id: newId("offer") })).toBe(false);
      const others = [1, 2].map(() => draftDirectOffer({ sellerId: seller, marketplaceId: newId("marketplace"), productId: product, price: 100 }));
      const clash = { ...existing, _id: newId("offer") };
      expect(await offers.insertMany([others[0]!, clash, others[1]!])).toEqual(new Set([others[0]!._id, others[1]!._id]));
    });
  });

  it("feed appends from concurrent writers (three processes) to one feed are ordered and gapless, each event once, retries included", async () => {
    const writers = await Promise.all([1, 2, 3].map(async (i) => new FeedRepository(feedEventModels(await connect(`feed-writer-${i}`), 1))));
    const marketplace = newId("marketplace");
    const offersPerWriter = 2;
    const eventsPerOffer = 8;
    const event = (eventNo: number): NumberedEvent => ({
      eventNo,
      type: eventNo === 1 ? "ELIGIBLE" : "UPDATED",
      available: true,
      quantity: eventNo,
      price: 100 + eventNo,
      unavailableReason: null,
      occurredAt: new Date(),
    });
    // Each writer appends its offers' events in order: one by one for its first offer, in batches of two for its second.
    await Promise.all(
      writers.map(async (feed) => {
        const [single, batched] = [newId("offer"), newId("offer")];
        await Promise.all([
          (async () => {
            for (let n = 1; n <= eventsPerOffer; n++) await feed.append(marketplace, single, event(n));
          })(),
          (async () => {
            for (let n = 1; n <= eventsPerOffer; n += 2) {
              await feed.appendAll([n, n + 1].map((k) => ({ marketplaceId: marketplace, offerId: batched, event: event(k) })));
            }
          })(),
        ]);
      }),
    );
    const total = writers.length * offersPerWriter * eventsPerOffer;
    const log = await writers[0]!.after(marketplace, 0, total + 10);
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const byOffer = new Map<string, number[]>();
    for (const e of log) byOffer.set(e.offerId, [...(byOffer.get(e.offerId) ?? []), e.quantity]);
    expect(byOffer.size).toBe(writers.length * offersPerWriter);
    for (const numbers of byOffer.values()) expect(numbers).toEqual(Array.from({ length: eventsPerOffer }, (_, i) => i + 1));

    // A retry of events already in the log (a crash before the offer was marked flushed) appends nothing.
    const [offerId] = byOffer.keys();
    expect(await writers[1]!.append(marketplace, offerId!, event(3))).toBeNull();
    expect(await writers[2]!.appendAll([{ marketplaceId: marketplace, offerId: offerId!, event: event(eventsPerOffer) }])).toEqual([]);
    expect(await writers[0]!.latestSeq(marketplace)).toBe(total);
  });

  it("a crash after a change's first write loses nothing: the next start flushes the outbox and settles the intent", async () => {
    const models = { offers: offerModel(conn.exchange), stock: stockModel(conn.exchange), routes: routeModel(conn.exchange), settings: settingsModel(conn.exchange) };
    const offers = new OfferRepository(models.offers);
    const stock = new StockRepository(models.stock);
    const reconciler = new OfferReconciler(offers, stock, new RouteRepository(models.routes), new SettingsRepository(models.settings));
    const feed = new FeedRepository(feedEventModels(conn.exchange, 1));
    const [sellerId, marketplaceId, productId] = [newId("seller"), newId("marketplace"), newId("product")];
    await stock.compareAndSet(sellerId, productId, 7, 0);

    // submitOffer's write (the offer and its ELIGIBLE event in one document), then the process dies.
    const offer = await reconciler.initial(draftDirectOffer({ sellerId, marketplaceId, productId, price: 1500 }));
    expect(await offers.insert(offer)).toBe(true);
    // setStock's write (the level with its intent), then the process dies before the offers are re-evaluated.
    expect(await stock.setIfChanged(sellerId, productId, 0)).not.toBeNull();
    expect((await models.stock.findById(`${sellerId}:${productId}`).lean())!.intent).toBeDefined();
    expect(await feed.after(marketplaceId, 0, 10)).toEqual([]);

    await startExchange(await connect("exchange-restarted"));
    const shown = (await offers.findById(offer._id)) as OfferRecord;
    expect([shown.available, shown.quantity, shown.unavailableReason, shown.hasPending]).toEqual([false, 0, "SELLER_OUT_OF_STOCK", false]);
    expect((await feed.after(marketplaceId, 0, 10)).map((e) => [e.seq, e.type, e.quantity])).toEqual([
      [1, "ELIGIBLE", 7],
      [2, "INELIGIBLE", 0],
    ]);
    expect((await models.stock.findById(`${sellerId}:${productId}`).lean())!.intent).toBeUndefined();
  });

  it("uses no multi-document transactions (a standalone server would do; if this fails, add their paths to this suite)", () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
      });
    const using = sources(join(__dirname, "../../src")).filter((file) => /\b(startSession|withTransaction|startTransaction)\b/.test(readFileSync(file, "utf8")));
    expect(using).toEqual([]);
  });
});
