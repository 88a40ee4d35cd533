import { checkForward, isGateOpen, type ForwardFacts } from "../../../src/exchange/rules/forwarding";

const facts = (overrides: Partial<ForwardFacts> = {}): ForwardFacts => ({
  offer: { status: "ACTIVE", path: ["sel_1", "mkt_a"], depth: 0 },
  targetMarketplaceId: "mkt_b",
  routeActive: true,
  maxDepth: 3,
  forwarder: { requireStockToForward: true, stock: 1 },
  ...overrides,
});

describe("forwardOffer's checks 2 to 6, in the contract's order", () => {
  it("passes when every check holds", () => {
    expect(checkForward(facts())).toEqual({ ok: true });
  });

  it.each<[string, Partial<ForwardFacts>, string]>([
    ["a PENDING offer", { offer: { status: "PENDING", path: ["s", "a"], depth: 0 } }, "OFFER_NOT_ACTIVE"],
    ["a WITHDRAWN offer", { offer: { status: "WITHDRAWN", path: ["s", "a"], depth: 0 } }, "OFFER_NOT_ACTIVE"],
    ["no active route", { routeActive: false }, "NO_ROUTE"],
    ["the target already in the path", { targetMarketplaceId: "mkt_a" }, "FORWARD_CYCLE"],
    ["one hop past the maximum depth", { offer: { status: "ACTIVE", path: ["s", "a", "b", "c", "d"], depth: 3 } }, "MAX_DEPTH_EXCEEDED"],
    ["the stock gate closed", { forwarder: { requireStockToForward: true, stock: 0 } }, "STOCK_GATE_CLOSED"],
  ])("refuses %s", (_name, overrides, code) => {
    expect(checkForward(facts(overrides))).toMatchObject({ ok: false, code });
  });

  it("reports the first failure when several fail", () => {
    const everythingWrong = facts({
      offer: { status: "DENIED", path: ["s", "mkt_b"], depth: 9 },
      routeActive: false,
      forwarder: { requireStockToForward: true, stock: 0 },
    });
    expect(checkForward(everythingWrong)).toMatchObject({ code: "OFFER_NOT_ACTIVE" });
    expect(checkForward({ ...everythingWrong, offer: { ...everythingWrong.offer, status: "ACTIVE" } })).toMatchObject({ code: "NO_ROUTE" });
    expect(checkForward({ ...everythingWrong, offer: { ...everythingWrong.offer, status: "ACTIVE" }, routeActive: true })).toMatchObject({ code: "FORWARD_CYCLE" });
    expect(
      checkForward({ ...everythingWrong, offer: { status: "ACTIVE", path: ["s", "a"], depth: 9 }, routeActive: true }),
    ).toMatchObject({ code: "MAX_DEPTH_EXCEEDED" });
  });

  it("allows exactly the maximum depth", () => {
    expect(checkForward(facts({ offer: { status: "ACTIVE", path: ["s", "a", "b", "c"], depth: 2 } }))).toEqual({ ok: true });
  });

  it("the gate is open without stock when the marketplace switched the rule off", () => {
    expect(isGateOpen({ requireStockToForward: false, stock: 0 })).toBe(true);
    expect(isGateOpen({ requireStockToForward: true, stock: 0 })).toBe(false);
    expect(isGateOpen({ requireStockToForward: true, stock: 1 })).toBe(true);
    expect(checkForward(facts({ forwarder: { requireStockToForward: false, stock: 0 } }))).toEqual({ ok: true });
  });
});
