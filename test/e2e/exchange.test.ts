import {
  AdjustStockDocument,
  AffiliateSellerDocument,
  CloseRouteDocument,
  ConfigureMarketplaceDocument,
  ForwardOfferDocument,
  MarketplaceExchangeDocument,
  OfferGraphDocument,
  OffersDocument,
  OpenRouteDocument,
  ProductOffersDocument,
  ReviewOfferDocument,
  SellerExchangeDocument,
  SetStockDocument,
  StockLevelDocument,
  SubmitOfferDocument,
  WithdrawOfferDocument,
} from "../generated/graphql";
import { buildWorld, type World } from "../helpers/exchange";
import { errorCodes } from "../helpers/graphql-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate();
});
afterAll(async () => {
  await og.close();
});

/** S → A → B, SELLER_GATED, both with the stock gate (the defaults). */
async function seedChain(w: World) {
  const [a, b] = w.ids as [string, string];
  await w.affiliate(a);
  await w.openRoute(a, b);
  await w.setStock(w.sellerId, 7);
  await w.setStock(a, 2);
  const o = await w.submit(a);
  const forwarded = (await w.markets[0]!.client.data(ForwardOfferDocument, { offerId: o.id, to: b })).forwardOffer;
  return { a, b, o, forwarded };
}

describe("the seed example of SEMANTICS.md", () => {
  it("S has 7, A has 2: A shows 7 and forwards; B shows 7; A runs out, comes back; S runs out", async () => {
    const w = await buildWorld(og.admin);
    const { a, b, o, forwarded } = await seedChain(w);
    expect(o).toMatchObject({ status: "ACTIVE", available: true, quantity: 7, unavailableReason: null, depth: 0 });
    expect(o.path).toEqual([w.sellerId, a]);
    expect(forwarded).toMatchObject({ status: "ACTIVE", available: true, quantity: 7, depth: 1, price: 1999, currency: "BRL" });
    expect(forwarded.path).toEqual([w.sellerId, a, b]);
    expect(forwarded.via).toEqual({ id: a });
    expect(forwarded.source).toEqual({ id: o.id });

    await w.setStock(a, 0);
    expect(await w.offer(forwarded.id)).toMatchObject({ available: false, quantity: 0, unavailableReason: "FORWARDER_OUT_OF_STOCK", status: "ACTIVE" });
    expect(await w.offer(o.id)).toMatchObject({ available: true, quantity: 7 });
    const refused = await w.markets[0]!.client.execute(ForwardOfferDocument, { offerId: o.id, to: w.ids[2]! });
    expect(errorCodes(refused)).toEqual(["NO_ROUTE"]); // no route to C: checked before the gate
    await w.openRoute(a, w.ids[2]!);
    const gate = await w.markets[0]!.client.execute(ForwardOfferDocument, { offerId: o.id, to: w.ids[2]! });
    expect(errorCodes(gate)).toEqual(["STOCK_GATE_CLOSED"]);
    expect(gate.errors![0]!.message).toContain(`"${w.markets[0]!.marketplace.name}" (${a})`);
    expect(gate.errors![0]!.message).toContain(`"${w.product.name}" (${w.productId})`);

    await w.setStock(a, 5);
    expect(await w.offer(forwarded.id)).toMatchObject({ available: true, quantity: 7, unavailableReason: null });

    await w.setStock(w.sellerId, 0);
    expect(await w.offer(o.id)).toMatchObject({ available: false, quantity: 0, unavailableReason: "SELLER_OUT_OF_STOCK" });
    expect(await w.offer(forwarded.id)).toMatchObject({ available: false, quantity: 0, unavailableReason: "SELLER_OUT_OF_STOCK" });

    // B heard about every change at once, in order, with the snapshot of the moment.
    const events = await w.events(b);
    expect(events.map((e) => [e.type, e.quantity, e.unavailableReason])).toEqual([
      ["ELIGIBLE", 7, null],
      ["INELIGIBLE", 0, "FORWARDER_OUT_OF_STOCK"],
      ["ELIGIBLE", 7, null],
      ["INELIGIBLE", 0, "SELLER_OUT_OF_STOCK"],
    ]);
    expect(events.every((e) => e.offerId === forwarded.id && e.marketplaceId === b && e.price === 1999)).toBe(true);
  });

  it("walks the whole offer graph in one request, across subgraphs", async () => {
    const w = await buildWorld(og.admin);
    const { a, o, forwarded } = await seedChain(w);
    const { offer } = await og.anonymous.data(OfferGraphDocument, { id: forwarded.id });
    expect(offer!.product).toEqual({ id: w.productId, gtin: w.product.gtin, name: w.product.name });
    expect(offer!.seller.name).toBe(w.seller.seller.name);
    expect(offer!.via).toEqual({ id: a, name: w.markets[0]!.marketplace.name });
    expect(offer!.source!.id).toBe(o.id);
    const root = (await og.anonymous.data(OfferGraphDocument, { id: o.id })).offer!;
    expect(root.forwards.map((f) => f.id)).toEqual([forwarded.id]);
    expect(root.marketplace.requireStockToForward).toBe(true);
  });
});

describe("stock", () => {
  it("reads 0 / version 0 when never set, counts versions, keeps the version for the same quantity", async () => {
    const w = await buildWorld(og.admin);
    const key = { ownerId: w.sellerId, productId: w.productId };
    expect((await w.seller.client.data(StockLevelDocument, key)).stockLevel).toMatchObject({ quantity: 0, version: 0, updatedAt: null });
    expect((await w.setStock(w.sellerId, 5)).setStock).toMatchObject({ quantity: 5, version: 1 });
    expect((await w.setStock(w.sellerId, 5)).setStock).toMatchObject({ quantity: 5, version: 1 });
    expect((await og.admin.data(AdjustStockDocument, { input: { ...key, delta: -2 } })).adjustStock).toMatchObject({ quantity: 3, version: 2 });
  });

  it("compare-and-set: VERSION_CONFLICT when the level moved on, nothing changed", async () => {
    const w = await buildWorld(og.admin);
    await w.setStock(w.sellerId, 5);
    const conflict = await og.admin.execute(SetStockDocument, {
      input: { ownerId: w.sellerId, productId: w.productId, quantity: 9, expectedVersion: 0 },
    });
    expect(errorCodes(conflict)).toEqual(["VERSION_CONFLICT"]);
    const ok = await og.admin.data(SetStockDocument, {
      input: { ownerId: w.sellerId, productId: w.productId, quantity: 9, expectedVersion: 1 },
    });
    expect(ok.setStock).toMatchObject({ quantity: 9, version: 2 });
  });

  it("adjustStock never goes below zero: INSUFFICIENT_STOCK, nothing changed", async () => {
    const w = await buildWorld(og.admin);
    await w.setStock(w.sellerId, 2);
    const r = await og.admin.execute(AdjustStockDocument, { input: { ownerId: w.sellerId, productId: w.productId, delta: -3 } });
    expect(errorCodes(r)).toEqual(["INSUFFICIENT_STOCK"]);
    expect((await og.admin.data(StockLevelDocument, { ownerId: w.sellerId, productId: w.productId })).stockLevel).toMatchObject({ quantity: 2, version: 1 });
  });

  it("adjustStock past the largest quantity is BAD_USER_INPUT and changes nothing", async () => {
    const w = await buildWorld(og.admin);
    const key = { ownerId: w.sellerId, productId: w.productId };
    await og.admin.data(AdjustStockDocument, { input: { ...key, delta: 2_147_483_600 } });
    const over = await og.admin.execute(AdjustStockDocument, { input: { ...key, delta: 100 } });
    expect(errorCodes(over)).toEqual(["BAD_USER_INPUT"]);
    expect((await og.admin.data(StockLevelDocument, key)).stockLevel).toMatchObject({ quantity: 2_147_483_600, version: 1 });
    expect((await og.admin.data(AdjustStockDocument, { input: { ...key, delta: 47 } })).adjustStock).toMatchObject({ quantity: 2_147_483_647, version: 2 });
  });

  it("refuses a negative quantity, unknown owners and products, and other owners' stock", async () => {
    const w = await buildWorld(og.admin);
    const negative = await og.admin.execute(SetStockDocument, { input: { ownerId: w.sellerId, productId: w.productId, quantity: -1 } });
    expect(errorCodes(negative)).toEqual(["BAD_USER_INPUT"]);
    const unknownOwner = await og.admin.execute(SetStockDocument, { input: { ownerId: "sel_000000000000000000000000", productId: w.productId, quantity: 1 } });
    expect(errorCodes(unknownOwner)).toEqual(["NOT_FOUND"]);
    const productAsOwner = await og.admin.execute(SetStockDocument, { input: { ownerId: w.productId, productId: w.productId, quantity: 1 } });
    expect(errorCodes(productAsOwner)).toEqual(["NOT_FOUND"]);
    const unknownProduct = await og.admin.execute(StockLevelDocument, { ownerId: w.sellerId, productId: "prd_000000000000000000000000" });
    expect(errorCodes(unknownProduct)).toEqual(["NOT_FOUND"]);
    const otherOwner = await w.markets[0]!.client.execute(SetStockDocument, { input: { ownerId: w.sellerId, productId: w.productId, quantity: 1 } });
    expect(errorCodes(otherOwner)).toEqual(["FORBIDDEN"]);
    const anonymous = await og.anonymous.execute(StockLevelDocument, { ownerId: w.sellerId, productId: w.productId });
    expect(errorCodes(anonymous)).toEqual(["UNAUTHENTICATED"]);
    expect((await og.admin.data(StockLevelDocument, { ownerId: w.sellerId, productId: w.productId })).stockLevel).toMatchObject({ quantity: 0, version: 0 });
  });
});

describe("submitting offers", () => {
  it("needs an affiliation; is idempotent; a new price is carried down every hop", async () => {
    const w = await buildWorld(og.admin, 3);
    const [a, b, c] = w.ids as [string, string, string];
    const notAffiliated = await w.seller.client.execute(SubmitOfferDocument, {
      input: { sellerId: w.sellerId, marketplaceId: a, productId: w.productId, price: 100, currency: "BRL" },
    });
    expect(errorCodes(notAffiliated)).toEqual(["NOT_AFFILIATED"]);
    expect((await og.admin.data(OffersDocument, { filter: { sellerId: w.sellerId } })).offers.totalCount).toBe(0);

    await w.affiliate(a);
    const again = await w.affiliate(a);
    expect(again.affiliateSeller.seller.id).toBe(w.sellerId);
    expect((await og.anonymous.data(SellerExchangeDocument, { id: w.sellerId })).seller!.affiliations).toHaveLength(1);

    await w.setStock(w.sellerId, 4);
    await w.setStock(a, 1);
    await w.setStock(b, 1);
    await w.openRoute(a, b);
    await w.openRoute(b, c);
    const o = await w.submit(a, 1000);
    const o1 = (await og.admin.data(ForwardOfferDocument, { offerId: o.id, to: b })).forwardOffer;
    const o2 = (await og.admin.data(ForwardOfferDocument, { offerId: o1.id, to: c })).forwardOffer;
    expect(o2).toMatchObject({ depth: 2, available: true, quantity: 4, price: 1000 });

    const same = await w.submit(a, 1000);
    expect(same.version).toBe(o.version);
    const eventsBefore = (await w.events(c)).length;

    const repriced = await w.submit(a, 1200, "USD");
    expect(repriced).toMatchObject({ price: 1200, currency: "USD", version: o.version + 1 });
    for (const id of [o1.id, o2.id]) {
      expect(await w.offer(id)).toMatchObject({ price: 1200, currency: "USD", available: true });
    }
    const cEvents = await w.events(c);
    expect(cEvents.slice(eventsBefore).map((e) => [e.type, e.price])).toEqual([["UPDATED", 1200]]);
  });

  it("validates price and currency, and refuses to act for another seller", async () => {
    const w = await buildWorld(og.admin, 1);
    await w.affiliate(w.ids[0]!);
    const input = { sellerId: w.sellerId, marketplaceId: w.ids[0]!, productId: w.productId, price: 100, currency: "BRL" };
    expect(errorCodes(await og.admin.execute(SubmitOfferDocument, { input: { ...input, price: -1 } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await og.admin.execute(SubmitOfferDocument, { input: { ...input, currency: "brl" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await og.anonymous.execute(SubmitOfferDocument, { input }))).toEqual(["UNAUTHENTICATED"]);
    const other = await buildWorld(og.admin, 0);
    expect(errorCodes(await other.seller.client.execute(SubmitOfferDocument, { input }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await og.admin.execute(SubmitOfferDocument, { input: { ...input, productId: "prd_000000000000000000000000" } }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await og.admin.execute(SubmitOfferDocument, { input: { ...input, marketplaceId: w.sellerId } }))).toEqual(["NOT_FOUND"]);
    expect((await og.admin.data(OffersDocument, { filter: { sellerId: w.sellerId } })).offers.totalCount).toBe(0);
  });
});

describe("approval", () => {
  it("PENDING until reviewed, with PENDING_REVIEW, then ELIGIBLE on approval; DENY emits nothing else", async () => {
    const w = await buildWorld(og.admin, 1);
    const a = w.ids[0]!;
    const configured = await w.markets[0]!.client.data(ConfigureMarketplaceDocument, { input: { marketplaceId: a, autoApprove: false } });
    expect(configured.configureMarketplace).toEqual({ id: a, requireStockToForward: true, autoApprove: false });
    await w.affiliate(a);
    await w.setStock(w.sellerId, 3);
    const o = await w.submit(a);
    expect(o).toMatchObject({ status: "PENDING", available: false, unavailableReason: "PENDING_APPROVAL" });
    const approved = (await w.markets[0]!.client.data(ReviewOfferDocument, { offerId: o.id, decision: "APPROVE" })).reviewOffer;
    expect(approved).toMatchObject({ status: "ACTIVE", available: true, quantity: 3 });
    const again = await w.markets[0]!.client.execute(ReviewOfferDocument, { offerId: o.id, decision: "DENY" });
    expect(errorCodes(again)).toEqual(["BAD_USER_INPUT"]);
    expect(await w.offer(o.id)).toMatchObject({ status: "ACTIVE" });

    const second = await buildWorld(og.admin, 0);
    await og.admin.data(AffiliateSellerDocument, { sellerId: second.sellerId, marketplaceId: a });
    const p = (
      await og.admin.data(SubmitOfferDocument, { input: { sellerId: second.sellerId, marketplaceId: a, productId: w.productId, price: 5, currency: "EUR" } })
    ).submitOffer;
    const sellerReview = await second.seller.client.execute(ReviewOfferDocument, { offerId: p.id, decision: "APPROVE" });
    expect(errorCodes(sellerReview)).toEqual(["FORBIDDEN"]);
    expect((await og.admin.data(ReviewOfferDocument, { offerId: p.id, decision: "DENY" })).reviewOffer).toMatchObject({ status: "DENIED", unavailableReason: "DENIED" });
    expect((await w.events(a)).map((e) => [e.offerId === o.id ? "o" : "p", e.type])).toEqual([
      ["o", "PENDING_REVIEW"],
      ["o", "ELIGIBLE"],
      ["p", "PENDING_REVIEW"],
    ]);
  });
});

describe("forwarding checks, in order, each changing nothing", () => {
  it("FORBIDDEN, OFFER_NOT_ACTIVE, NO_ROUTE, FORWARD_CYCLE, MAX_DEPTH_EXCEEDED, NOT_FOUND", async () => {
    const w = await buildWorld(og.admin, 5);
    const [a, b, c, d, e] = w.ids as [string, string, string, string, string];
    await w.affiliate(a);
    for (const m of [w.sellerId, a, b, c, d]) await w.setStock(m, 3);
    const o = await w.submit(a);
    expect(errorCodes(await w.markets[1]!.client.execute(ForwardOfferDocument, { offerId: o.id, to: b }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await og.anonymous.execute(ForwardOfferDocument, { offerId: o.id, to: b }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await og.admin.execute(ForwardOfferDocument, { offerId: "off_000000000000000000000000", to: b }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await og.admin.execute(ForwardOfferDocument, { offerId: o.id, to: w.sellerId }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await og.admin.execute(ForwardOfferDocument, { offerId: o.id, to: b }))).toEqual(["NO_ROUTE"]);
    await w.openRoute(a, b);
    await w.openRoute(b, a);
    await w.openRoute(b, c);
    await w.openRoute(c, d);
    await w.openRoute(d, e);
    const ob = (await og.admin.data(ForwardOfferDocument, { offerId: o.id, to: b })).forwardOffer;
    expect(errorCodes(await og.admin.execute(ForwardOfferDocument, { offerId: ob.id, to: a }))).toEqual(["FORWARD_CYCLE"]);
    const oc = (await og.admin.data(ForwardOfferDocument, { offerId: ob.id, to: c })).forwardOffer;
    const od = (await og.admin.data(ForwardOfferDocument, { offerId: oc.id, to: d })).forwardOffer;
    expect(od.depth).toBe(3);
    expect(errorCodes(await og.admin.execute(ForwardOfferDocument, { offerId: od.id, to: e }))).toEqual(["MAX_DEPTH_EXCEEDED"]);
    await og.admin.data(WithdrawOfferDocument, { offerId: oc.id });
    expect(errorCodes(await og.admin.execute(ForwardOfferDocument, { offerId: oc.id, to: d }))).toEqual(["OFFER_NOT_ACTIVE"]);
    const atE = await og.admin.data(MarketplaceExchangeDocument, { id: e });
    expect(atE.marketplace!.offers.totalCount).toBe(0);
    expect(atE.marketplace!.upstreamRoutes.map((r) => r.from.id)).toEqual([d]);
  });

  it("forwarding again returns the same offer; a withdrawn forward is reopened", async () => {
    const w = await buildWorld(og.admin, 2);
    const { b, o, forwarded } = await seedChain(w);
    const again = (await og.admin.data(ForwardOfferDocument, { offerId: o.id, to: b })).forwardOffer;
    expect(again.id).toBe(forwarded.id);
    expect(again.version).toBe(forwarded.version);
    const withdrawn = (await w.markets[1]!.client.data(WithdrawOfferDocument, { offerId: forwarded.id })).withdrawOffer;
    expect(withdrawn).toMatchObject({ status: "WITHDRAWN", unavailableReason: "WITHDRAWN" });
    const unchanged = (await og.admin.data(WithdrawOfferDocument, { offerId: forwarded.id })).withdrawOffer;
    expect(unchanged.version).toBe(withdrawn.version);
    const reopened = (await og.admin.data(ForwardOfferDocument, { offerId: o.id, to: b })).forwardOffer;
    expect(reopened).toMatchObject({ id: forwarded.id, status: "ACTIVE", available: true });
    expect((await w.events(b)).map((e) => e.type)).toEqual(["ELIGIBLE", "WITHDRAWN", "ELIGIBLE"]);
  });
});

describe("withdrawal, routes and settings", () => {
  it("withdrawing the source makes forwards UPSTREAM_UNAVAILABLE; submitting again reopens both", async () => {
    const w = await buildWorld(og.admin, 2);
    const { o, forwarded } = await seedChain(w);
    const denied = await w.markets[1]!.client.execute(WithdrawOfferDocument, { offerId: o.id });
    expect(errorCodes(denied)).toEqual(["FORBIDDEN"]);
    await w.seller.client.data(WithdrawOfferDocument, { offerId: o.id });
    expect(await w.offer(forwarded.id)).toMatchObject({ status: "ACTIVE", available: false, unavailableReason: "UPSTREAM_UNAVAILABLE" });
    const reopened = await w.submit(w.ids[0]!);
    expect(reopened).toMatchObject({ id: o.id, status: "ACTIVE", available: true });
    expect(await w.offer(forwarded.id)).toMatchObject({ available: true, quantity: 7 });
  });

  it("closing a route makes its forwards ROUTE_CLOSED; reopening restores them; only `to` decides", async () => {
    const w = await buildWorld(og.admin, 2);
    const { a, b, forwarded } = await seedChain(w);
    expect(errorCodes(await w.markets[0]!.client.execute(CloseRouteDocument, { from: a, to: b }))).toEqual(["FORBIDDEN"]);
    const closed = (await w.markets[1]!.client.data(CloseRouteDocument, { from: a, to: b })).closeRoute;
    expect(closed.active).toBe(false);
    expect(await w.offer(forwarded.id)).toMatchObject({ available: false, unavailableReason: "ROUTE_CLOSED" });
    const v = (await w.offer(forwarded.id)).version;
    await w.markets[1]!.client.data(CloseRouteDocument, { from: a, to: b });
    expect((await w.offer(forwarded.id)).version).toBe(v);
    expect(errorCodes(await og.admin.execute(CloseRouteDocument, { from: b, to: a }))).toEqual(["NOT_FOUND"]);
    await w.openRoute(a, b, { quantityPolicy: "MIN_OF_CHAIN" });
    expect(await w.offer(forwarded.id)).toMatchObject({ available: true, quantity: 2 });
  });

  it("switching the gate off makes forwards available without the forwarder's stock", async () => {
    const w = await buildWorld(og.admin, 2);
    const { a, forwarded } = await seedChain(w);
    await w.setStock(a, 0);
    expect(await w.offer(forwarded.id)).toMatchObject({ unavailableReason: "FORWARDER_OUT_OF_STOCK" });
    await og.admin.data(ConfigureMarketplaceDocument, { input: { marketplaceId: a, requireStockToForward: false } });
    expect(await w.offer(forwarded.id)).toMatchObject({ available: true, quantity: 7 });
    const forbidden = await w.markets[1]!.client.execute(ConfigureMarketplaceDocument, { input: { marketplaceId: a, autoApprove: false } });
    expect(errorCodes(forbidden)).toEqual(["FORBIDDEN"]);
    const settings = await og.anonymous.data(MarketplaceExchangeDocument, { id: a });
    expect(settings.marketplace).toMatchObject({ requireStockToForward: false, autoApprove: true });
  });
});

describe("auto-forward routes", () => {
  it("forward what passes at once and later, never through a closed gate, and leave withdrawn forwards alone", async () => {
    const w = await buildWorld(og.admin, 3);
    const [a, b, c] = w.ids as [string, string, string];
    await w.affiliate(a);
    await w.setStock(w.sellerId, 5);
    const o = await w.submit(a);
    // A has no stock: opening the route forwards nothing.
    await w.openRoute(a, b, { autoForward: true });
    expect((await og.admin.data(OfferGraphDocument, { id: o.id })).offer!.forwards).toEqual([]);
    // A's stock arrives: forwarded at once, and on from B (B has stock, route B → C auto).
    await w.setStock(b, 1);
    await w.openRoute(b, c, { autoForward: true });
    await w.setStock(a, 2);
    const graph = (await og.admin.data(OfferGraphDocument, { id: o.id })).offer!;
    expect(graph.forwards).toHaveLength(1);
    const atB = graph.forwards[0]!;
    expect(atB).toMatchObject({ available: true, quantity: 5, path: [w.sellerId, a, b] });
    expect(atB.forwards.map((f) => f.path)).toEqual([[w.sellerId, a, b, c]]);
    // B withdraws its copy; stock moving at A does not bring it back.
    await w.markets[1]!.client.data(WithdrawOfferDocument, { offerId: atB.id });
    await w.setStock(a, 0);
    await w.setStock(a, 4);
    expect(await w.offer(atB.id)).toMatchObject({ status: "WITHDRAWN" });
    // A new offer at A is forwarded as soon as it is submitted.
    const second = await buildWorld(og.admin, 0);
    await og.admin.data(AffiliateSellerDocument, { sellerId: second.sellerId, marketplaceId: a });
    const p = (
      await og.admin.data(SubmitOfferDocument, { input: { sellerId: second.sellerId, marketplaceId: a, productId: w.productId, price: 1, currency: "BRL" } })
    ).submitOffer;
    const pGraph = (await og.admin.data(OfferGraphDocument, { id: p.id })).offer!;
    expect(pGraph.forwards.map((f) => f.path)).toEqual([[second.sellerId, a, b]]);
    expect(pGraph.forwards[0]!.forwards.map((f) => f.path)).toEqual([[second.sellerId, a, b, c]]);
  });
});

describe("lists", () => {
  it("walking first/after visits every offer once, oldest first, with a stable totalCount", async () => {
    const w = await buildWorld(og.admin, 5);
    for (const m of w.ids) await w.affiliate(m);
    const created: string[] = [];
    for (const m of w.ids) created.push((await w.submit(m)).id);
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = (await og.anonymous.data(OffersDocument, { filter: { sellerId: w.sellerId }, first: 2, after })).offers;
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(created);
    const bad = await og.anonymous.execute(OffersDocument, { first: 101 });
    expect(errorCodes(bad)).toEqual(["BAD_USER_INPUT"]);
    const byProduct = await og.anonymous.data(ProductOffersDocument, { id: w.productId, filter: { available: false } });
    expect(byProduct.product!.offers.totalCount).toBe(5); // no stock anywhere
    const sellerView = await og.anonymous.data(SellerExchangeDocument, { id: w.sellerId });
    expect(sellerView.seller!.offers.edges.map((e) => e.node.id)).toEqual(created);
  });
});

describe("routes", () => {
  it("openRoute again updates and reopens; the same values change nothing; a marketplace cannot open routes into another", async () => {
    const w = await buildWorld(og.admin, 2);
    const [a, b] = w.ids as [string, string];
    const first = (await w.markets[1]!.client.data(OpenRouteDocument, { input: { fromMarketplaceId: a, toMarketplaceId: b } })).openRoute;
    expect(first).toMatchObject({ active: true, autoForward: false, quantityPolicy: "SELLER_GATED" });
    const changed = (await w.openRoute(a, b, { autoForward: true, quantityPolicy: "FORWARDER_OWN" })).openRoute;
    expect(changed).toMatchObject({ active: true, autoForward: true, quantityPolicy: "FORWARDER_OWN", createdAt: first.createdAt });
    const forbidden = await w.markets[0]!.client.execute(OpenRouteDocument, { input: { fromMarketplaceId: a, toMarketplaceId: b } });
    expect(errorCodes(forbidden)).toEqual(["FORBIDDEN"]);
    const unknown = await og.admin.execute(OpenRouteDocument, { input: { fromMarketplaceId: a, toMarketplaceId: "mkt_000000000000000000000000" } });
    expect(errorCodes(unknown)).toEqual(["NOT_FOUND"]);
    const view = await og.anonymous.data(MarketplaceExchangeDocument, { id: a });
    expect(view.marketplace!.downstreamRoutes).toEqual([{ to: { id: b }, active: true, autoForward: true, quantityPolicy: "FORWARDER_OWN" }]);
  });
});
