import { LabelCap } from "../../src/gateway/metrics";
import { requestIdOf } from "../../src/gateway/request-log";
import { sanitize } from "../../src/gateway/runtime-log";

describe("the operation label cap", () => {
  it("keeps the first names it meets, then counts every new one as other", () => {
    const cap = new LabelCap(3);
    expect(["A", "B", "A", "C"].map((n) => cap.label(n))).toEqual(["A", "B", "A", "C"]);
    expect(cap.label("D")).toBe("other");
    expect(cap.label("E")).toBe("other");
    // Names admitted before the cap was reached keep their own series.
    expect(cap.label("B")).toBe("B");
  });

  it("holds at 100 by default whatever a client sends", () => {
    const cap = new LabelCap();
    const labels = new Set(Array.from({ length: 1000 }, (_, i) => cap.label(`Op${i}`)));
    expect(labels.size).toBe(101);
    expect(labels.has("Op99")).toBe(true);
    expect(labels.has("Op100")).toBe(false);
    expect(labels.has("other")).toBe(true);
  });
});

describe("request ids", () => {
  it("keeps a client's plain token and replaces anything else", () => {
    expect(requestIdOf("abc-123.x:y@z_")).toBe("abc-123.x:y@z_");
    for (const bad of ["a b", "x".repeat(129), "", '"}', undefined, ["a", "b"]]) expect(requestIdOf(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("the runtime's attributes, as logged", () => {
  it("drops query texts, variables and stacks, and notes the first error code", () => {
    const found: { code?: string } = {};
    const clean = sanitize(
      {
        params: { query: "{ secret }", variables: { password: "x" } },
        error: { message: "Unknown or revoked API key", stack: "Error: at x", source: { body: "{ secret }" }, extensions: { code: "UNAUTHENTICATED" } },
        nested: { query: "{ secret }", document: { kind: "Document" }, kept: 1 },
        result: { data: { createMarketplace: { apiKey: "og_secret" } } },
        request: { headers: { authorization: "Bearer og_secret" } },
      },
      found,
      0,
      false,
    );
    expect(clean).toEqual({
      error: { message: "Unknown or revoked API key", extensions: { code: "UNAUTHENTICATED" } },
      nested: { kept: 1 },
      result: {},
      request: {},
    });
    expect(found.code).toBe("UNAUTHENTICATED");
    expect(JSON.stringify(clean)).not.toContain("secret");
  });

  it("bounds what it copies: long strings, long arrays, deep objects", () => {
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    const clean = sanitize({ s: "x".repeat(5000), list: Array.from({ length: 50 }, (_, i) => i), deep }, {}, 0, true) as Record<string, any>;
    expect(clean.s.length).toBeLessThanOrEqual(2001);
    expect(clean.list).toHaveLength(20);
    expect(JSON.stringify(clean.deep)).toContain("[…]");
  });
});
