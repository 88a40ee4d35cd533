import { draftOffer, type OfferRecord } from "../../../src/exchange/offer/offer.model";
import { initialState, transition, type OfferFacts } from "../../../src/exchange/offer/offer.transition";
import type { Route } from "../../../src/exchange/route/route.repository";
import { routeKey } from "../../../src/exchange/route/route.model";
import { stockKey } from "../../../src/exchange/stock/stock.model";
import type { OfferStatus, QuantityPolicy } from "../../../src/exchange/rules/types";

/**
 * An offer's step under the rules of SEMANTICS.md ("Offers", "Availability
 * and quantity", "The offer feed"), without a database: seller S lists at
 * marketplace A, which forwards to B.
 */
const S = "sel_s";
const A = "mkt_a";
const B = "mkt_b";
const P = "prd_p";
const T0 = new Date("2026-01-01T00:00:00Z");
const NOW = new Date("2026-01-01T00:01:00Z");

const direct = (status: OfferStatus = "ACTIVE", fields: Partial<OfferRecord> = {}): OfferRecord => ({
  ...draftOffer(
    "off_direct",
    { key: "d", sellerId: S, marketplaceId: A, productId: P, sourceId: null, viaId: null, path: [S, A], depth: 0, price: 100, currency: "BRL", status },
    T0,
  ),
  ...fields,
});

const forwarded = (status: OfferStatus = "ACTIVE", fields: Partial<OfferRecord> = {}): OfferRecord => ({
  ...draftOffer(
    "off_forward",
    { key: "f", sellerId: S, marketplaceId: B, productId: P, sourceId: "off_direct", viaId: A, path: [S, A, B], depth: 1, price: 100, currency: "BRL", status },
    T0,
  ),
  ...fields,
});

const route = (active = true, quantityPolicy: QuantityPolicy = "SELLER_GATED"): Route =>
  ({ fromId: A, toId: B, active, autoForward: false, quantityPolicy }) as Route;

/** The facts: stock of S and of A, the route A → B, A's gate, and the source as it shows. */
function facts(given: { seller?: number; forwarder?: number; route?: Route | null; requireStock?: boolean | null; source?: OfferRecord | null; traceparent?: string } = {}): OfferFacts {
  const source = given.source === undefined ? { ...direct(), available: true, quantity: given.seller ?? 7 } : given.source;
  return {
    stock: new Map([
      [stockKey(S, P), given.seller ?? 7],
      [stockKey(A, P), given.forwarder ?? 2],
    ]),
    routes: given.route === null ? new Map() : new Map([[routeKey(A, B), given.route ?? route()]]),
    requireStock: given.requireStock === null ? new Map() : new Map([[A, given.requireStock ?? true]]),
    sources: source ? new Map([[source._id, source]]) : new Map(),
    ...(given.traceparent ? { traceparent: given.traceparent } : {}),
  };
}

/** What the offer shows after a step from `current` (as changed into `next`) under `f`. */
const shows = (current: OfferRecord, f: OfferFacts, next: OfferRecord = current) => {
  const { result } = transition(current, next, f, NOW);
  return { available: result.available, quantity: result.quantity, unavailableReason: result.unavailableReason };
};
const up = (quantity: number) => ({ available: true, quantity, unavailableReason: null });
const down = (unavailableReason: string) => ({ available: false, quantity: 0, unavailableReason });

/** An offer as a previous step left it: `initialState` under the facts, its events flushed. */
const settled = (offer: OfferRecord, f: OfferFacts): OfferRecord => {
  const s = initialState(offer, f);
  return { ...s, flushedThrough: s.eventCount, outbox: [], hasPending: false, settleAt: undefined };
};

describe("direct offer availability", () => {
  it.each<[OfferStatus, string]>([
    ["WITHDRAWN", "WITHDRAWN"],
    ["DENIED", "DENIED"],
    ["PENDING", "PENDING_APPROVAL"],
  ])("rule 1: status %s makes it unavailable as %s, whatever the stock", (status, reason) => {
    expect(shows(direct(status), facts({ seller: 7 }))).toEqual(down(reason));
  });

  it("rule 2: the seller's stock of 0 makes it SELLER_OUT_OF_STOCK", () => {
    expect(shows(direct(), facts({ seller: 0 }))).toEqual(down("SELLER_OUT_OF_STOCK"));
  });

  it("available: its quantity is the seller's stock", () => {
    expect(shows(direct(), facts({ seller: 7 }))).toEqual(up(7));
  });
});

describe("forwarded offer availability", () => {
  it.each<[OfferStatus, string]>([
    ["WITHDRAWN", "WITHDRAWN"],
    ["DENIED", "DENIED"],
    ["PENDING", "PENDING_APPROVAL"],
  ])("rule 1: status %s makes it unavailable as %s", (status, reason) => {
    expect(shows(forwarded(status), facts({ route: route(false) }))).toEqual(down(reason));
  });

  it("rule 2: the route F → here closed (or gone) makes it ROUTE_CLOSED", () => {
    expect(shows(forwarded(), facts({ route: route(false) }))).toEqual(down("ROUTE_CLOSED"));
    expect(shows(forwarded(), facts({ route: null }))).toEqual(down("ROUTE_CLOSED"));
  });

  it("rule 3: an unavailable source passes on SELLER_OUT_OF_STOCK and FORWARDER_OUT_OF_STOCK, else UPSTREAM_UNAVAILABLE", () => {
    const source = (unavailableReason: OfferRecord["unavailableReason"]) => ({ ...direct(), available: false, quantity: 0, unavailableReason });
    expect(shows(forwarded(), facts({ source: source("SELLER_OUT_OF_STOCK") }))).toEqual(down("SELLER_OUT_OF_STOCK"));
    expect(shows(forwarded(), facts({ source: source("FORWARDER_OUT_OF_STOCK") }))).toEqual(down("FORWARDER_OUT_OF_STOCK"));
    expect(shows(forwarded(), facts({ source: source("WITHDRAWN") }))).toEqual(down("UPSTREAM_UNAVAILABLE"));
    expect(shows(forwarded(), facts({ source: source("PENDING_APPROVAL") }))).toEqual(down("UPSTREAM_UNAVAILABLE"));
    expect(shows(forwarded(), facts({ source: null }))).toEqual(down("UPSTREAM_UNAVAILABLE"));
  });

  it("rule 5: a policy quantity of 0 makes it FORWARDER_OUT_OF_STOCK", () => {
    expect(shows(forwarded(), facts({ forwarder: 0, requireStock: false, route: route(true, "MIN_OF_CHAIN") }))).toEqual(down("FORWARDER_OUT_OF_STOCK"));
  });
});

describe("the stock gate (rule 4)", () => {
  it("closed: F requires stock to forward and holds 0 of the product → FORWARDER_OUT_OF_STOCK", () => {
    expect(shows(forwarded(), facts({ forwarder: 0, requireStock: true }))).toEqual(down("FORWARDER_OUT_OF_STOCK"));
  });

  it("open: F requires stock to forward and holds some", () => {
    expect(shows(forwarded(), facts({ forwarder: 2, requireStock: true }))).toEqual(up(7));
  });

  it("switched off (requireStockToForward: false): F forwards without stock", () => {
    expect(shows(forwarded(), facts({ forwarder: 0, requireStock: false }))).toEqual(up(7));
  });

  it("a forwarder whose setting was not read is gated, as a new marketplace is", () => {
    expect(shows(forwarded(), facts({ forwarder: 0, requireStock: null }))).toEqual(down("FORWARDER_OUT_OF_STOCK"));
  });
});

describe("quantity policies", () => {
  it.each<[QuantityPolicy, number]>([
    ["SELLER_GATED", 7],
    ["MIN_OF_CHAIN", 2],
    ["FORWARDER_OWN", 2],
  ])("%s: q(U) 7 and s(F) 2 give %i", (policy, quantity) => {
    expect(shows(forwarded(), facts({ seller: 7, forwarder: 2, route: route(true, policy) }))).toEqual(up(quantity));
  });
});

describe("the contract's example: S → A → B, SELLER_GATED, both gated, S has 7, A has 2", () => {
  const chain = (seller: number, forwarder: number) => {
    const atA = settled(direct(), facts({ seller, forwarder }));
    return { atA: shows(atA, facts({ seller, forwarder })), atB: shows(forwarded(), facts({ seller, forwarder, source: atA })) };
  };

  it("both show 7", () => expect(chain(7, 2)).toEqual({ atA: up(7), atB: up(7) }));
  it("A's stock at 0: B is FORWARDER_OUT_OF_STOCK, A still shows 7", () => expect(chain(7, 0)).toEqual({ atA: up(7), atB: down("FORWARDER_OUT_OF_STOCK") }));
  it("S's stock at 0: both SELLER_OUT_OF_STOCK", () => expect(chain(0, 2)).toEqual({ atA: down("SELLER_OUT_OF_STOCK"), atB: down("SELLER_OUT_OF_STOCK") }));
});

describe("status transitions", () => {
  const pending = () => settled(direct("PENDING"), facts());

  it("reviewOffer APPROVE: PENDING → ACTIVE, available, ELIGIBLE", () => {
    const { result } = transition(pending(), { ...pending(), status: "ACTIVE" }, facts(), NOW);
    expect(result).toMatchObject({ status: "ACTIVE", ...up(7) });
    expect(result.outbox.map((e) => e.type)).toEqual(["ELIGIBLE"]);
  });

  it("reviewOffer DENY: PENDING → DENIED, between two unavailable states, emits nothing", () => {
    const { result } = transition(pending(), { ...pending(), status: "DENIED" }, facts(), NOW);
    expect(result).toMatchObject({ status: "DENIED", ...down("DENIED") });
    expect(result.outbox).toEqual([]);
  });

  it("withdrawOffer: WITHDRAWN, with its event", () => {
    const active = settled(direct(), facts());
    const { result } = transition(active, { ...active, status: "WITHDRAWN" }, facts(), NOW);
    expect(result).toMatchObject({ status: "WITHDRAWN", ...down("WITHDRAWN") });
    expect(result.outbox.map((e) => e.type)).toEqual(["WITHDRAWN"]);
  });

  it("withdrawing a withdrawn offer changes nothing: no write, no version, no event", () => {
    const withdrawn = settled(direct("WITHDRAWN"), facts());
    const step = transition(withdrawn, withdrawn, facts(), NOW);
    expect(step.noop).toBe(true);
    expect(step.result.version).toBe(withdrawn.version);
    expect(step.result.outbox).toEqual([]);
  });

  it("submitOffer again reopens a WITHDRAWN offer into review: PENDING_REVIEW each time it enters PENDING", () => {
    const withdrawn = settled(direct("WITHDRAWN"), facts());
    const { result } = transition(withdrawn, { ...withdrawn, status: "PENDING" }, facts(), NOW);
    expect(result).toMatchObject({ status: "PENDING", ...down("PENDING_APPROVAL") });
    expect(result.outbox.map((e) => e.type)).toEqual(["PENDING_REVIEW"]);
  });
});

describe("price and currency propagation from the source", () => {
  it("a forwarded offer shows its source's price and currency, whatever it holds itself", () => {
    const source = { ...direct(), available: true, quantity: 7, price: 120, currency: "USD" };
    const { result, write } = transition(forwarded(), forwarded(), facts({ source }), NOW);
    expect(result).toMatchObject({ price: 120, currency: "USD" });
    expect(write.set).toMatchObject({ price: 120, currency: "USD" });
  });

  it("an available forward whose source's price changed emits UPDATED", () => {
    const before = settled(forwarded(), facts());
    const source = { ...direct(), available: true, quantity: 7, price: 150 };
    expect(transition(before, before, facts({ source }), NOW).result.outbox.map((e) => e.type)).toEqual(["UPDATED"]);
  });

  it("a direct offer's price and currency are its own (submitOffer's)", () => {
    const before = settled(direct(), facts());
    expect(transition(before, { ...before, price: 90, currency: "EUR" }, facts(), NOW).result).toMatchObject({ price: 90, currency: "EUR" });
  });
});

describe("version: up by one on every change to what the offer shows, and only then", () => {
  it("a change of quantity moves it by one, as an increment", () => {
    const before = settled(direct(), facts({ seller: 7 }));
    const { result, write } = transition(before, before, facts({ seller: 3 }), NOW);
    expect(result.version).toBe(before.version + 1);
    expect(write.inc).toEqual({ version: 1, eventCount: 1 });
  });

  it("the same facts again: no write at all", () => {
    const before = settled(direct(), facts());
    const step = transition(before, before, facts(), NOW);
    expect(step).toMatchObject({ noop: true, write: { inc: {} } });
    expect(step.result.version).toBe(before.version);
  });

  it("a change between two unavailable reasons moves the version but emits nothing", () => {
    const before = settled(forwarded(), facts({ route: route(false) }));
    const { result } = transition(before, before, facts({ forwarder: 0 }), NOW);
    expect(result.version).toBe(before.version + 1);
    expect(result.outbox).toEqual([]);
  });
});

describe("feed events: ELIGIBLE, UPDATED, INELIGIBLE, PENDING_REVIEW, WITHDRAWN", () => {
  it("a new available offer is ELIGIBLE; a new pending one PENDING_REVIEW; a new one out of stock emits nothing", () => {
    expect(initialState(direct(), facts()).outbox.map((e) => e.type)).toEqual(["ELIGIBLE"]);
    expect(initialState(direct("PENDING"), facts()).outbox.map((e) => e.type)).toEqual(["PENDING_REVIEW"]);
    expect(initialState(direct(), facts({ seller: 0 })).outbox).toEqual([]);
  });

  it("available → unavailable is INELIGIBLE; back is ELIGIBLE; a quantity change while available is UPDATED", () => {
    const atSeven = settled(direct(), facts({ seller: 7 }));
    expect(transition(atSeven, atSeven, facts({ seller: 0 }), NOW).result.outbox.map((e) => e.type)).toEqual(["INELIGIBLE"]);
    expect(transition(atSeven, atSeven, facts({ seller: 4 }), NOW).result.outbox.map((e) => e.type)).toEqual(["UPDATED"]);
    const out = settled(direct(), facts({ seller: 0 }));
    expect(transition(out, out, facts({ seller: 4 }), NOW).result.outbox.map((e) => e.type)).toEqual(["ELIGIBLE"]);
  });

  it("each event carries the offer's availability, quantity and reason at that moment, at `now`", () => {
    const before = settled(direct(), facts({ seller: 7 }));
    const [event] = transition(before, before, facts({ seller: 3 }), NOW).result.outbox;
    expect(event).toEqual({ type: "UPDATED", ...up(3), occurredAt: NOW });
  });

  it("an event still waiting keeps the price it was raised at when a later step changes the price", () => {
    const waiting = initialState(direct(), facts()); // its ELIGIBLE not yet flushed
    const { result } = transition(waiting, { ...waiting, price: 180 }, facts(), NOW);
    expect(result.outbox.map((e) => [e.type, e.price])).toEqual([
      ["ELIGIBLE", 100],
      ["UPDATED", undefined], // priced from the offer when appended
    ]);
  });

  it("an event keeps the request's trace context when one is given, and has none otherwise", () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    expect(initialState(direct(), facts({ traceparent })).outbox[0]!.traceparent).toBe(traceparent);
    expect(initialState(direct(), facts()).outbox[0]).not.toHaveProperty("traceparent");
  });
});

describe("the settle intent written with a change", () => {
  it("a change to what the offer shows records `now`, so that the offers forwarded from it catch up", () => {
    const before = settled(direct(), facts({ seller: 7 }));
    expect(transition(before, before, facts({ seller: 3 }), NOW).write.set.settleAt).toEqual(NOW);
  });

  it("an older intent still waiting is kept; no change, no intent", () => {
    const before = { ...settled(direct(), facts({ seller: 7 })), settleAt: T0 };
    expect(transition(before, before, facts({ seller: 3 }), NOW).result.settleAt).toEqual(T0);
    const quiet = settled(direct(), facts());
    expect(transition(quiet, quiet, facts(), NOW).write.set).not.toHaveProperty("settleAt");
  });

  it("a new offer waits on its own intent: its evaluation after the insert and its auto-forwarding", () => {
    expect(initialState(direct(), facts()).settleAt).toEqual(T0);
  });
});
