import { feedEventFor, visibleChange, type VisibleState } from "../../../src/exchange/rules/feed-events";

const state = (overrides: Partial<VisibleState> = {}): VisibleState => ({
  status: "ACTIVE",
  price: 100,
  currency: "BRL",
  available: true,
  quantity: 5,
  unavailableReason: null,
  ...overrides,
});
const unavailable = (overrides: Partial<VisibleState> = {}) =>
  state({ available: false, quantity: 0, unavailableReason: "SELLER_OUT_OF_STOCK", ...overrides });

describe("which feed event a transition emits", () => {
  it.each<[string, VisibleState | null, VisibleState, string | null]>([
    ["a new available offer", null, state(), "ELIGIBLE"],
    ["a new offer out of stock", null, unavailable(), null],
    ["a new pending offer", null, unavailable({ status: "PENDING", unavailableReason: "PENDING_APPROVAL" }), "PENDING_REVIEW"],
    ["approval with stock", unavailable({ status: "PENDING", unavailableReason: "PENDING_APPROVAL" }), state(), "ELIGIBLE"],
    ["approval without stock", unavailable({ status: "PENDING", unavailableReason: "PENDING_APPROVAL" }), unavailable(), null],
    ["denial: between two unavailable states", unavailable({ status: "PENDING", unavailableReason: "PENDING_APPROVAL" }), unavailable({ status: "DENIED", unavailableReason: "DENIED" }), null],
    ["restock", unavailable(), state(), "ELIGIBLE"],
    ["running out", state(), unavailable(), "INELIGIBLE"],
    ["a quantity change while available", state(), state({ quantity: 9 }), "UPDATED"],
    ["a price change while available", state(), state({ price: 150 }), "UPDATED"],
    ["a currency change while available", state(), state({ currency: "USD" }), "UPDATED"],
    ["a price change while unavailable", unavailable(), unavailable({ price: 150 }), null],
    ["nothing", state(), state(), null],
    ["withdrawal of an available offer", state(), unavailable({ status: "WITHDRAWN", unavailableReason: "WITHDRAWN" }), "WITHDRAWN"],
    ["withdrawal of an unavailable offer", unavailable(), unavailable({ status: "WITHDRAWN", unavailableReason: "WITHDRAWN" }), "WITHDRAWN"],
    ["a withdrawn offer staying withdrawn", unavailable({ status: "WITHDRAWN", unavailableReason: "WITHDRAWN" }), unavailable({ status: "WITHDRAWN", unavailableReason: "WITHDRAWN", price: 1 }), null],
    ["reopening into review", unavailable({ status: "WITHDRAWN", unavailableReason: "WITHDRAWN" }), unavailable({ status: "PENDING", unavailableReason: "PENDING_APPROVAL" }), "PENDING_REVIEW"],
    ["reopening with stock", unavailable({ status: "WITHDRAWN", unavailableReason: "WITHDRAWN" }), state(), "ELIGIBLE"],
    ["a reason change while unavailable", unavailable(), unavailable({ unavailableReason: "FORWARDER_OUT_OF_STOCK" }), null],
  ])("%s", (_name, before, after, expected) => {
    expect(feedEventFor(before, after)).toBe(expected);
  });
});

describe("what moves an offer's version", () => {
  it("any change to status, price, currency, availability, quantity or reason", () => {
    const base = state();
    expect(visibleChange(base, state())).toBe(false);
    for (const change of [{ status: "PENDING" as const }, { price: 1 }, { currency: "USD" }, { available: false }, { quantity: 1 }, { unavailableReason: "DENIED" as const }]) {
      expect(visibleChange(base, state(change))).toBe(true);
    }
  });
});
