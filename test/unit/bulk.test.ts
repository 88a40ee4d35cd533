import { byItem, checkBulkRequest, rounds } from "../../src/exchange/bulk/bulk";
import { checkHeader } from "../../src/exchange/import/import.service";

describe("bulk rounds", () => {
  it("keeps input order and starts a round where a key repeats", () => {
    const items = ["a", "b", "a", "c", "b", "d", "d"];
    expect(rounds(items, (x) => x)).toEqual([["a", "b"], ["a", "c", "b", "d"], ["d"]]);
    expect(rounds(["x", "y", "z"], (x) => x)).toEqual([["x", "y", "z"]]);
  });

  it("orders offers by the item they descend from, stably", () => {
    const o = (id: string, sourceId: string | null = null) => ({ _id: id, sourceId });
    const items = new Map([
      ["o1", 1],
      ["o0", 0],
    ]);
    const order = byItem<ReturnType<typeof o>>((r) => items.get(r._id));
    const sorted = order([o("o1"), o("o0"), o("f1", "o1"), o("f0", "o0"), o("g0", "f0"), o("x", "elsewhere")]);
    expect(sorted.map((r) => r._id)).toEqual(["o0", "f0", "g0", "o1", "f1", "x"]);
  });

  it("refuses anonymous callers, then lists outside 1..1000", () => {
    const seller = { kind: "SELLER" as const, id: "sel_1" };
    expect(() => checkBulkRequest(null, 0)).toThrow(expect.objectContaining({ code: "UNAUTHENTICATED" }));
    expect(() => checkBulkRequest(seller, 0)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
    expect(() => checkBulkRequest(seller, 1001)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
    expect(checkBulkRequest(seller, 1000)).toBe(seller);
  });
});

describe("CSV import header", () => {
  it("takes the known columns in any order and case", () => {
    expect(checkHeader([" Price", "GTIN", "currency", "Quantity "])).toEqual(["price", "gtin", "currency", "quantity"]);
    expect(checkHeader(["productId", "price", "currency"])).toEqual(["productid", "price", "currency"]);
  });

  it.each([
    [["gtin", "price", "currency", "colour"]],
    [["gtin", "productId", "price", "currency"]],
    [["price", "currency"]],
    [["gtin", "price"]],
    [["gtin", "price", "price", "currency"]],
  ])("refuses %j with BAD_USER_INPUT", (header) => {
    expect(() => checkHeader(header)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });
});
