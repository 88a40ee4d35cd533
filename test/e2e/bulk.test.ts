import { SetStocksDocument, SubmitOffersDocument, SubmitOfferDocument, SetStockDocument } from "../generated/graphql";
import { createMarketplace, createProduct, createSeller } from "../fixtures";
import { errorCodes, type GraphQLClient } from "../helpers/graphql-client";
import { httpGet, startTestOffergate, type TestOffergate } from "../helpers/offergate";

let og: TestOffergate;
beforeAll(async () => {
  // No background sweeps, no idle look for imports, while statements are being counted.
  og = await startTestOffergate({ FEED_SWEEP_INTERVAL_MS: "3600000", IMPORT_POLL_MS: "3600000" });
});
afterAll(async () => {
  await og.close();
});

const affiliate = (sellerId: string, marketplaceId: string) =>
  og.admin.post({ query: `mutation { affiliateSeller(sellerId: "${sellerId}", marketplaceId: "${marketplaceId}") { createdAt } }` });

/** A seller affiliated with marketplaces A and B, a route A → B that forwards automatically, and `products` products. */
async function world(products: number) {
  const seller = await createSeller(og.admin);
  const [a, b, c] = await Promise.all([createMarketplace(og.admin), createMarketplace(og.admin), createMarketplace(og.admin)]);
  const ids = { s: seller.seller.id, a: a.marketplace.id, b: b.marketplace.id, c: c.marketplace.id };
  await affiliate(ids.s, ids.a);
  await affiliate(ids.s, ids.b);
  await og.admin.post({
    query: `mutation { openRoute(input: { fromMarketplaceId: "${ids.a}", toMarketplaceId: "${ids.b}", autoForward: true }) { active } }`,
  });
  const p: string[] = [];
  for (let i = 0; i < products; i++) p.push((await createProduct(og.admin)).id);
  return { ...ids, p, seller };
}
type World = Awaited<ReturnType<typeof world>>;

/** A marketplace's feed, with each event's offer named by its product's position in the world and its depth. */
async function feed(w: World, marketplaceId: string) {
  const r = await og.admin.post({
    query: `query($m: ID!) { offerEvents(marketplaceId: $m, first: 1000) { edges { node {
      type available quantity price unavailableReason offer { depth product { id } } } } } }`,
    variables: { m: marketplaceId },
  });
  expect(r.errors).toBeUndefined();
  return r.data.offerEvents.edges.map(({ node }: any) => ({
    ...node,
    offer: { depth: node.offer.depth, product: w.p.indexOf(node.offer.product.id) },
  }));
}

/** An item's outcome with the world's ids replaced by positions, to compare two worlds. */
const shape = (value: any) =>
  value && {
    status: value.status,
    available: value.available,
    quantity: value.quantity,
    unavailableReason: value.unavailableReason,
    version: value.version,
    price: value.price,
    currency: value.currency,
  };

describe("submitOffers and setStocks", () => {
  it("refuse an empty or too long list, and anonymous callers, as a whole", async () => {
    const w = await world(1);
    const item = { sellerId: w.s, marketplaceId: w.a, productId: w.p[0]!, price: 1, currency: "BRL" };
    expect(errorCodes(await og.admin.execute(SubmitOffersDocument, { input: [] }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await og.admin.execute(SubmitOffersDocument, { input: Array(1001).fill(item) }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await og.anonymous.execute(SubmitOffersDocument, { input: [item] }))).toEqual(["UNAUTHENTICATED"]);
    const stock = { ownerId: w.s, productId: w.p[0]!, quantity: 1 };
    expect(errorCodes(await og.admin.execute(SetStocksDocument, { input: [] }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await og.anonymous.execute(SetStocksDocument, { input: [stock] }))).toEqual(["UNAUTHENTICATED"]);
    // Nothing was applied by any of them.
    expect(await feed(w, w.a)).toEqual([]);
    const level = await og.admin.post({ query: `{ stockLevel(ownerId: "${w.s}", productId: "${w.p[0]}") { quantity version } }` });
    expect(level.data.stockLevel).toEqual({ quantity: 0, version: 0 });
  });

  it("isolate each item's failure, with its code, in input order", async () => {
    const w = await world(2);
    const other = await createSeller(og.admin);
    const ok = (productId: string, price = 100) => ({ sellerId: w.s, marketplaceId: w.a, productId, price, currency: "BRL" });
    const r = await w.seller.client.data(SubmitOffersDocument, {
      input: [
        ok(w.p[0]!),
        { ...ok(w.p[0]!), sellerId: other.seller.id }, // another seller's offer
        { ...ok(w.p[1]!), productId: "prd_unknown" },
        ok(w.p[1]!, -5),
        { ...ok(w.p[1]!), currency: "brl" },
        { ...ok(w.p[1]!), marketplaceId: w.c }, // not affiliated
        ok(w.p[1]!, 250),
      ],
    });
    const { results, succeeded, failed } = r.submitOffers;
    expect(results.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(results.map((x) => x.error?.code ?? null)).toEqual([null, "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "BAD_USER_INPUT", "NOT_AFFILIATED", null]);
    expect(results.map((x) => x.offer === null)).toEqual([false, true, true, true, true, true, false]);
    expect([succeeded, failed]).toEqual([2, 5]);
    expect(results[6]!.offer!.price).toBe(250);
    // The failed items changed nothing: only the two offers exist, at A (and their forwards at B).
    const offers = await og.admin.post({ query: `{ offers(filter: { sellerId: "${w.s}" }, first: 100) { totalCount } }` });
    expect(offers.data.offers.totalCount).toBe(2);
    const others = await og.admin.post({ query: `{ offers(filter: { sellerId: "${other.seller.id}" }, first: 100) { totalCount } }` });
    expect(others.data.offers.totalCount).toBe(0);

    const stocks = await w.seller.client.data(SetStocksDocument, {
      input: [
        { ownerId: w.s, productId: w.p[0]!, quantity: 3 },
        { ownerId: w.a, productId: w.p[0]!, quantity: 3 }, // a marketplace's stock: not the seller's to set
        { ownerId: w.s, productId: w.p[1]!, quantity: -1 },
        { ownerId: w.s, productId: w.p[1]!, quantity: 4, expectedVersion: 7 },
        { ownerId: w.s, productId: w.p[1]!, quantity: 4, expectedVersion: 0 },
      ],
    });
    expect(stocks.setStocks.results.map((x) => x.error?.code ?? x.stockLevel!.quantity)).toEqual([3, "FORBIDDEN", "BAD_USER_INPUT", "VERSION_CONFLICT", 4]);
    expect([stocks.setStocks.succeeded, stocks.setStocks.failed]).toEqual([2, 3]);
  });

  it("have the same effects and emit the same feed events, item by item, as the single calls", async () => {
    const worlds = [await world(4), await world(4)] as const;
    const setup = async (w: World) => {
      // S holds P0, P1 and P3; A holds P0 (so A forwards P0 to B) but not P1.
      for (const [owner, product, quantity] of [[w.s, 0, 5], [w.s, 1, 2], [w.s, 3, 9], [w.a, 0, 2]] as const) {
        await og.admin.data(SetStockDocument, { input: { ownerId: owner, productId: w.p[product]!, quantity } });
      }
    };
    const offerItems = (w: World) => [
      { sellerId: w.s, marketplaceId: w.a, productId: w.p[0]!, price: 100, currency: "BRL" },
      { sellerId: w.s, marketplaceId: w.a, productId: w.p[1]!, price: 200, currency: "BRL" },
      { sellerId: w.s, marketplaceId: w.b, productId: w.p[2]!, price: 300, currency: "BRL" }, // no stock: unavailable
      { sellerId: w.s, marketplaceId: w.a, productId: w.p[0]!, price: 150, currency: "BRL" }, // the same offer again: a new price
      { sellerId: w.s, marketplaceId: w.c, productId: w.p[3]!, price: 1, currency: "BRL" }, // NOT_AFFILIATED
      { sellerId: w.s, marketplaceId: w.b, productId: w.p[3]!, price: 400, currency: "USD" },
      { sellerId: w.s, marketplaceId: w.a, productId: w.p[1]!, price: 200, currency: "BRL" }, // the same values: no change
    ];
    const stockItems = (w: World) => [
      { ownerId: w.s, productId: w.p[0]!, quantity: 0 }, // both P0 offers go out of stock
      { ownerId: w.a, productId: w.p[0]!, quantity: 0 },
      { ownerId: w.s, productId: w.p[0]!, quantity: 6 }, // and back
      { ownerId: w.s, productId: w.p[2]!, quantity: 1 }, // the offer at B becomes available
      { ownerId: w.a, productId: w.p[1]!, quantity: 3 }, // A may now forward P1: auto-forwarded to B
      { ownerId: w.s, productId: w.p[3]!, quantity: 9 }, // the same quantity: no change
      { ownerId: w.s, productId: w.p[3]!, quantity: -1 }, // BAD_USER_INPUT
    ];
    const [one, bulk] = worlds;
    await setup(one);
    await setup(bulk);

    const singles = [];
    for (const input of offerItems(one)) singles.push(await og.admin.execute(SubmitOfferDocument, { input }));
    const many = (await og.admin.data(SubmitOffersDocument, { input: offerItems(bulk) })).submitOffers;
    expect(many.results.map((r) => r.error?.code ?? null)).toEqual(singles.map((s) => errorCodes(s)[0] ?? null));
    expect(many.results.map((r) => shape(r.offer))).toEqual(singles.map((s) => shape(s.data?.submitOffer ?? null)));

    const stockSingles = [];
    for (const input of stockItems(one)) stockSingles.push(await og.admin.execute(SetStockDocument, { input }));
    const stockMany = (await og.admin.data(SetStocksDocument, { input: stockItems(bulk) })).setStocks;
    expect(stockMany.results.map((r) => r.error?.code ?? null)).toEqual(stockSingles.map((s) => errorCodes(s)[0] ?? null));
    expect(stockMany.results.map((r) => r.stockLevel && { quantity: r.stockLevel.quantity, version: r.stockLevel.version })).toEqual(
      stockSingles.map((s) => (s.data?.setStock ? { quantity: s.data.setStock.quantity, version: s.data.setStock.version } : null)),
    );

    for (const m of ["a", "b", "c"] as const) {
      const expected = await feed(one, one[m]);
      expect(expected.length).toBeGreaterThan(m === "c" ? -1 : 2);
      expect(await feed(bulk, bulk[m])).toEqual(expected);
    }
  });
});

/** The database commands counted on `/metrics`, by "collection command". */
async function dbCommands(): Promise<Map<string, number>> {
  const { body } = await httpGet(`${og.origin}/metrics`);
  const counts = new Map<string, number>();
  for (const match of body.matchAll(/^offergate_db_commands_total\{collection="([^"]*)",command="([^"]*)"\} (\d+)/gm)) {
    counts.set(`${match[1]} ${match[2]}`, Number(match[3]));
  }
  return counts;
}

async function statementsDuring(run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await dbCommands();
  await run();
  const after = await dbCommands();
  const diff: Record<string, number> = {};
  for (const [key, n] of after) if (n - (before.get(key) ?? 0) > 0) diff[key] = n - (before.get(key) ?? 0);
  return diff;
}

describe("one round of propagation per call", () => {
  async function measure(client: GraphQLClient, w: World) {
    const offers = await statementsDuring(async () => {
      const r = await client.data(SubmitOffersDocument, {
        input: w.p.map((productId, i) => ({ sellerId: w.s, marketplaceId: w.a, productId, price: 100 + i, currency: "BRL" })),
      });
      expect(r.submitOffers.failed).toBe(0);
    });
    const stocks = await statementsDuring(async () => {
      const r = await client.data(SetStocksDocument, { input: w.p.map((productId) => ({ ownerId: w.s, productId, quantity: 5 })) });
      expect(r.setStocks.failed).toBe(0);
    });
    const repriced = await statementsDuring(async () => {
      const r = await client.data(SubmitOffersDocument, {
        input: w.p.map((productId, i) => ({ sellerId: w.s, marketplaceId: w.a, productId, price: 200 + i, currency: "BRL" })),
      });
      expect(r.submitOffers.failed).toBe(0);
    });
    return { offers, stocks, repriced };
  }

  it("sends as many database statements for 100 items as for 10", async () => {
    const few = await world(10);
    const many = await world(100);
    const small = await measure(og.admin, few);
    const large = await measure(og.admin, many);
    expect(large).toEqual(small);
  });
});
