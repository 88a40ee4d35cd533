import { evaluateDirectOffer, evaluateForwardedOffer, policyQuantity, type ForwardedOfferFacts } from "../../../src/exchange/rules/availability";
import type { Availability, OfferStatus, QuantityPolicy } from "../../../src/exchange/rules/types";

const up = (quantity: number): Availability => ({ available: true, quantity, unavailableReason: null });
const down = (reason: Availability["unavailableReason"]): Availability => ({ available: false, quantity: 0, unavailableReason: reason });

describe("a direct offer", () => {
  it.each<[OfferStatus, number, Availability]>([
    ["ACTIVE", 7, up(7)],
    ["ACTIVE", 0, down("SELLER_OUT_OF_STOCK")],
    ["PENDING", 7, down("PENDING_APPROVAL")],
    ["DENIED", 7, down("DENIED")],
    ["WITHDRAWN", 7, down("WITHDRAWN")],
    ["WITHDRAWN", 0, down("WITHDRAWN")], // the status decides before the stock
    ["PENDING", 0, down("PENDING_APPROVAL")],
  ])("%s with seller stock %i is %j", (status, sellerStock, expected) => {
    expect(evaluateDirectOffer({ status, sellerStock })).toEqual(expected);
  });
});

const forwarded = (overrides: Partial<ForwardedOfferFacts> = {}): ForwardedOfferFacts => ({
  status: "ACTIVE",
  route: { active: true, quantityPolicy: "SELLER_GATED" },
  source: up(7),
  forwarder: { requireStockToForward: true, stock: 2 },
  ...overrides,
});

describe("a forwarded offer: the first reason that applies, in the contract's order", () => {
  it.each<[string, Partial<ForwardedOfferFacts>, Availability]>([
    ["all gates open, SELLER_GATED shows the upstream quantity", {}, up(7)],
    ["its own status first, even with the route closed", { status: "PENDING", route: { active: false, quantityPolicy: "SELLER_GATED" } }, down("PENDING_APPROVAL")],
    ["DENIED", { status: "DENIED" }, down("DENIED")],
    ["WITHDRAWN", { status: "WITHDRAWN", source: down("SELLER_OUT_OF_STOCK") }, down("WITHDRAWN")],
    ["route closed before an unavailable source", { route: { active: false, quantityPolicy: "SELLER_GATED" }, source: down("SELLER_OUT_OF_STOCK") }, down("ROUTE_CLOSED")],
    ["a route that does not exist counts as closed", { route: null }, down("ROUTE_CLOSED")],
    ["source out of stock at the seller passes its reason on", { source: down("SELLER_OUT_OF_STOCK") }, down("SELLER_OUT_OF_STOCK")],
    ["source out of stock at a forwarder passes its reason on", { source: down("FORWARDER_OUT_OF_STOCK") }, down("FORWARDER_OUT_OF_STOCK")],
    ["a withdrawn source is UPSTREAM_UNAVAILABLE", { source: down("WITHDRAWN") }, down("UPSTREAM_UNAVAILABLE")],
    ["a pending source is UPSTREAM_UNAVAILABLE", { source: down("PENDING_APPROVAL") }, down("UPSTREAM_UNAVAILABLE")],
    ["a denied source is UPSTREAM_UNAVAILABLE", { source: down("DENIED") }, down("UPSTREAM_UNAVAILABLE")],
    ["a source behind a closed route is UPSTREAM_UNAVAILABLE", { source: down("ROUTE_CLOSED") }, down("UPSTREAM_UNAVAILABLE")],
    ["an unavailable source decides before the forwarder's stock", { source: down("UPSTREAM_UNAVAILABLE"), forwarder: { requireStockToForward: true, stock: 0 } }, down("UPSTREAM_UNAVAILABLE")],
    ["the gate: forwarder requires stock and has none", { forwarder: { requireStockToForward: true, stock: 0 } }, down("FORWARDER_OUT_OF_STOCK")],
    ["gate off: no stock needed under SELLER_GATED", { forwarder: { requireStockToForward: false, stock: 0 } }, up(7)],
    ["gate off but MIN_OF_CHAIN with no stock gives 0: FORWARDER_OUT_OF_STOCK", { route: { active: true, quantityPolicy: "MIN_OF_CHAIN" }, forwarder: { requireStockToForward: false, stock: 0 } }, down("FORWARDER_OUT_OF_STOCK")],
    ["MIN_OF_CHAIN takes the smaller", { route: { active: true, quantityPolicy: "MIN_OF_CHAIN" } }, up(2)],
    ["MIN_OF_CHAIN when the forwarder holds more", { route: { active: true, quantityPolicy: "MIN_OF_CHAIN" }, forwarder: { requireStockToForward: true, stock: 50 } }, up(7)],
    ["FORWARDER_OWN shows the forwarder's stock", { route: { active: true, quantityPolicy: "FORWARDER_OWN" } }, up(2)],
    ["FORWARDER_OWN with gate off and no stock", { route: { active: true, quantityPolicy: "FORWARDER_OWN" }, forwarder: { requireStockToForward: false, stock: 0 } }, down("FORWARDER_OUT_OF_STOCK")],
  ])("%s", (_name, overrides, expected) => {
    expect(evaluateForwardedOffer(forwarded(overrides))).toEqual(expected);
  });

  it("every unavailable result has quantity 0 and a reason; every available one a null reason", () => {
    const statuses: OfferStatus[] = ["PENDING", "ACTIVE", "DENIED", "WITHDRAWN"];
    const policies: QuantityPolicy[] = ["SELLER_GATED", "MIN_OF_CHAIN", "FORWARDER_OWN"];
    for (const status of statuses)
      for (const quantityPolicy of policies)
        for (const active of [true, false])
          for (const source of [up(0), up(5), down("SELLER_OUT_OF_STOCK"), down("WITHDRAWN")])
            for (const requireStockToForward of [true, false])
              for (const stock of [0, 3]) {
                const a = evaluateForwardedOffer({ status, route: { active, quantityPolicy }, source, forwarder: { requireStockToForward, stock } });
                if (a.available) {
                  expect(a.unavailableReason).toBeNull();
                  expect(a.quantity).toBeGreaterThan(0);
                } else {
                  expect(a.unavailableReason).not.toBeNull();
                  expect(a.quantity).toBe(0);
                }
              }
  });
});

describe("quantity policies", () => {
  it.each<[QuantityPolicy, number, number, number]>([
    ["SELLER_GATED", 7, 2, 7],
    ["MIN_OF_CHAIN", 7, 2, 2],
    ["MIN_OF_CHAIN", 1, 9, 1],
    ["FORWARDER_OWN", 7, 2, 2],
  ])("%s with q(U)=%i and s(F)=%i is %i", (policy, q, s, expected) => {
    expect(policyQuantity(policy, q, s)).toBe(expected);
  });
});

describe("chains of several hops, evaluated hop by hop", () => {
  /** S → A → B → C, each hop a forwarded offer reading the one before. */
  function chain(sellerStock: number, hops: { stock: number; requireStock: boolean; policy: QuantityPolicy; routeActive?: boolean }[]) {
    let previous = evaluateDirectOffer({ status: "ACTIVE", sellerStock });
    const results = [previous];
    for (const hop of hops) {
      previous = evaluateForwardedOffer({
        status: "ACTIVE",
        route: { active: hop.routeActive ?? true, quantityPolicy: hop.policy },
        source: previous,
        forwarder: { requireStockToForward: hop.requireStock, stock: hop.stock },
      });
      results.push(previous);
    }
    return results;
  }

  it("the seed example: S has 7, A has 2, SELLER_GATED, gates on", () => {
    expect(chain(7, [{ stock: 2, requireStock: true, policy: "SELLER_GATED" }]).map((a) => a.quantity)).toEqual([7, 7]);
    expect(chain(7, [{ stock: 0, requireStock: true, policy: "SELLER_GATED" }])[1]).toEqual(down("FORWARDER_OUT_OF_STOCK"));
    const sellerOut = chain(0, [{ stock: 2, requireStock: true, policy: "SELLER_GATED" }]);
    expect(sellerOut).toEqual([down("SELLER_OUT_OF_STOCK"), down("SELLER_OUT_OF_STOCK")]);
  });

  it("a forwarder out of stock in the middle passes FORWARDER_OUT_OF_STOCK down the chain", () => {
    const r = chain(7, [
      { stock: 2, requireStock: true, policy: "SELLER_GATED" },
      { stock: 0, requireStock: true, policy: "SELLER_GATED" },
      { stock: 5, requireStock: true, policy: "SELLER_GATED" },
    ]);
    expect(r.map((a) => a.unavailableReason)).toEqual([null, null, "FORWARDER_OUT_OF_STOCK", "FORWARDER_OUT_OF_STOCK"]);
  });

  it("a closed route in the middle makes everything below it UPSTREAM_UNAVAILABLE", () => {
    const r = chain(7, [
      { stock: 2, requireStock: true, policy: "SELLER_GATED" },
      { stock: 3, requireStock: true, policy: "SELLER_GATED", routeActive: false },
      { stock: 5, requireStock: true, policy: "SELLER_GATED" },
    ]);
    expect(r.map((a) => a.unavailableReason)).toEqual([null, null, "ROUTE_CLOSED", "UPSTREAM_UNAVAILABLE"]);
  });

  it("MIN_OF_CHAIN takes the smallest stock along the chain", () => {
    const r = chain(9, [
      { stock: 6, requireStock: true, policy: "MIN_OF_CHAIN" },
      { stock: 4, requireStock: false, policy: "MIN_OF_CHAIN" },
      { stock: 8, requireStock: true, policy: "MIN_OF_CHAIN" },
    ]);
    expect(r.map((a) => a.quantity)).toEqual([9, 6, 4, 4]);
  });

  it("FORWARDER_OWN then SELLER_GATED carries the forwarder's quantity down", () => {
    const r = chain(9, [
      { stock: 3, requireStock: true, policy: "FORWARDER_OWN" },
      { stock: 1, requireStock: true, policy: "SELLER_GATED" },
    ]);
    expect(r.map((a) => a.quantity)).toEqual([9, 3, 3]);
  });
});
