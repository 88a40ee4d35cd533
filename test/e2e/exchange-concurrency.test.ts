import { randomInt } from "node:crypto";
import { evaluateDirectOffer, evaluateForwardedOffer } from "../../src/exchange/rules/availability";
import type { Availability, QuantityPolicy } from "../../src/exchange/rules/types";
import {
  AdjustStockDocument,
  CloseRouteDocument,
  ConfigureMarketplaceDocument,
  ForwardOfferDocument,
  MarketplaceExchangeDocument,
  OffersDocument,
  StockLevelDocument,
  SubmitOfferDocument,
  WithdrawOfferDocument,
  type OffersQuery,
} from "../generated/graphql";
import { createMarketplace, createProduct, createSeller } from "../fixtures";
import { errorCodes, type GraphQLResponse } from "../helpers/graphql-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate();
});
afterAll(async () => {
  await og.close();
});

const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)]!;
type OfferNode = OffersQuery["offers"]["edges"][number]["node"];

/** Every offer of these sellers, walking the connection to its end. */
async function allOffers(sellerIds: string[]): Promise<OfferNode[]> {
  const offers: OfferNode[] = [];
  for (const sellerId of sellerIds) {
    let after: string | null | undefined;
    do {
      const page = (await og.admin.data(OffersDocument, { filter: { sellerId }, first: 100, after })).offers;
      offers.push(...page.edges.map((e) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
    } while (after);
  }
  return offers;
}

describe("consistency under concurrency", () => {
  it("after hundreds of concurrent random mutations, every offer equals what the rules compute from the current facts", async () => {
    // With 40 mutations in flight on one embedded database, each waits behind the others' reads and
    // writes, and one that keeps losing compare-and-sets starts over: on a slow machine some take
    // more than the helper's 10 s. What this test asserts is the outcome, not their latency.
    const admin = og.admin.withTimeout(60_000);
    const sellers = await Promise.all([createSeller(admin), createSeller(admin)]);
    const markets = await Promise.all(Array.from({ length: 4 }, () => createMarketplace(admin)));
    const products = await Promise.all([createProduct(admin), createProduct(admin)]);
    const sellerIds = sellers.map((s) => s.seller.id);
    const [a, b, c, d] = markets.map((m) => m.marketplace.id) as [string, string, string, string];
    const productIds = products.map((p) => p.id);
    const owners = [...sellerIds, a, b, c, d];
    const routes: [string, string, boolean, QuantityPolicy][] = [
      [a, b, true, "SELLER_GATED"],
      [b, c, false, "MIN_OF_CHAIN"],
      [a, c, true, "FORWARDER_OWN"],
      [c, d, true, "SELLER_GATED"],
    ];
    for (const s of sellerIds) for (const m of [a, b]) await admin.post({ query: `mutation { affiliateSeller(sellerId: "${s}", marketplaceId: "${m}") { createdAt } }` });
    for (const [from, to, autoForward, quantityPolicy] of routes) {
      await admin.post({
        query: "mutation($i: OpenRouteInput!) { openRoute(input: $i) { active } }",
        variables: { i: { fromMarketplaceId: from, toMarketplaceId: to, autoForward, quantityPolicy } },
      });
    }
    const offerIds: string[] = [];
    for (const s of sellerIds)
      for (const m of [a, b])
        for (const p of productIds) {
          const r = await admin.data(SubmitOfferDocument, { input: { sellerId: s, marketplaceId: m, productId: p, price: 100, currency: "BRL" } });
          offerIds.push(r.submitOffer.id);
        }

    const mutations: (() => Promise<GraphQLResponse<unknown>>)[] = [
      () => admin.post({ query: "mutation($i: SetStockInput!) { setStock(input: $i) { version } }", variables: { i: { ownerId: pick(owners), productId: pick(productIds), quantity: randomInt(0, 6) } } }),
      () => admin.execute(AdjustStockDocument, { input: { ownerId: pick(owners), productId: pick(productIds), delta: randomInt(-3, 4) } }),
      () => admin.execute(SubmitOfferDocument, { input: { sellerId: pick(sellerIds), marketplaceId: pick([a, b]), productId: pick(productIds), price: pick([100, 120, 150]), currency: pick(["BRL", "USD"]) } }),
      () => admin.execute(WithdrawOfferDocument, { offerId: pick(offerIds) }),
      () => admin.execute(ForwardOfferDocument, { offerId: pick(offerIds), to: pick([b, c, d]) }).then((r) => {
        const id = (r.data as { forwardOffer?: { id: string } } | null | undefined)?.forwardOffer?.id;
        if (id) offerIds.push(id);
        return r;
      }),
      () => admin.execute(CloseRouteDocument, { from: pick(routes)[0], to: pick(routes)[1] }),
      () => {
        const [from, to, autoForward, quantityPolicy] = pick(routes);
        return admin.post({ query: "mutation($i: OpenRouteInput!) { openRoute(input: $i) { active } }", variables: { i: { fromMarketplaceId: from, toMarketplaceId: to, autoForward, quantityPolicy } } });
      },
      () => admin.execute(ConfigureMarketplaceDocument, { input: { marketplaceId: pick([a, b, c]), requireStockToForward: pick([true, false]) } }),
    ];
    // 400 mutations, 40 in flight at any time: every one races others on the same offers.
    const results: GraphQLResponse<unknown>[] = [];
    let remaining = 400;
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        while (remaining-- > 0) results.push(await pick(mutations)());
      }),
    );
    const codes = results.flatMap((r) => errorCodes(r));
    // Rule refusals are expected under random input; a crash or a masked error is not.
    expect(codes.filter((c) => c === "INTERNAL_SERVER_ERROR" || c === "SERVICE_UNAVAILABLE")).toEqual([]);
    expect(results.filter((r) => !r.errors).length).toBeGreaterThan(100);

    // The facts, as they are now.
    const offers = await allOffers(sellerIds);
    const stock = new Map<string, number>();
    for (const o of owners)
      for (const p of productIds)
        stock.set(`${o}:${p}`, (await admin.data(StockLevelDocument, { ownerId: o, productId: p })).stockLevel!.quantity);
    const routeState = new Map<string, { active: boolean; quantityPolicy: QuantityPolicy }>();
    const gate = new Map<string, boolean>();
    for (const m of [a, b, c, d]) {
      const view = (await admin.data(MarketplaceExchangeDocument, { id: m })).marketplace!;
      gate.set(m, view.requireStockToForward);
      for (const r of view.downstreamRoutes) routeState.set(`${m}:${r.to.id}`, { active: r.active, quantityPolicy: r.quantityPolicy });
    }

    // Recompute every offer from them, upstream first, and compare.
    const byId = new Map(offers.map((o) => [o.id, o]));
    const expected = new Map<string, Availability>();
    const sorted = [...offers].sort((x, y) => x.depth - y.depth);
    const sourceOf = (o: OfferNode) => byId.get(o.source!.id)!;
    for (const o of sorted) {
      if (o.depth === 0) {
        expected.set(o.id, evaluateDirectOffer({ status: o.status, sellerStock: stock.get(`${o.seller.id}:${o.product.id}`) ?? 0 }));
        continue;
      }
      const source = sourceOf(o);
      const via = o.path[o.path.length - 2]!;
      expected.set(
        o.id,
        evaluateForwardedOffer({
          status: o.status,
          route: routeState.get(`${via}:${o.marketplace.id}`) ?? null,
          source: expected.get(source.id)!,
          forwarder: { requireStockToForward: gate.get(via)!, stock: stock.get(`${via}:${o.product.id}`) ?? 0 },
        }),
      );
      expect({ id: o.id, price: o.price, currency: o.currency }).toEqual({ id: o.id, price: source.price, currency: source.currency });
    }
    const mismatches = offers.filter((o) => {
      const e = expected.get(o.id)!;
      return e.available !== o.available || e.quantity !== o.quantity || e.unavailableReason !== o.unavailableReason;
    });
    expect(mismatches.map((o) => ({ id: o.id, actual: [o.available, o.quantity, o.unavailableReason], expected: expected.get(o.id) }))).toEqual([]);
    expect(offers.filter((o) => o.depth > 0).length).toBeGreaterThan(0);
  }, 120_000); // 400 mutations: about 20 s here alone, more on a loaded machine

  it("concurrent adjustStock(-1) on a level of 20 succeeds exactly 20 times", async () => {
    const seller = await createSeller(og.admin);
    const product = await createProduct(og.admin);
    const key = { ownerId: seller.seller.id, productId: product.id };
    await og.admin.post({ query: "mutation($i: SetStockInput!) { setStock(input: $i) { version } }", variables: { i: { ...key, quantity: 20 } } });
    const results = await Promise.all(Array.from({ length: 35 }, () => seller.client.execute(AdjustStockDocument, { input: { ...key, delta: -1 } })));
    expect(results.filter((r) => !r.errors).length).toBe(20);
    expect(results.flatMap((r) => errorCodes(r))).toEqual(Array(15).fill("INSUFFICIENT_STOCK"));
    const level = (await og.admin.data(StockLevelDocument, key)).stockLevel!;
    expect(level).toMatchObject({ quantity: 0, version: 21 });
  });
});
