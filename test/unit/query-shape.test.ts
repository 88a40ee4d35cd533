import { parse } from "graphql";
import { checkQueryShape, type ShapeLimits } from "../../src/gateway/query-shape";

const limits: ShapeLimits = { maxFields: 10_000, maxRepeatedPairs: 2_000, maxNesting: 256 };
const verdict = (query: string, l: Partial<ShapeLimits> = {}) => checkQueryShape(parse(query, { noLocation: true }), { ...limits, ...l });
const reason = (query: string, l: Partial<ShapeLimits> = {}) => {
  const v = verdict(query, l);
  return v.ok ? "ok" : v.reason;
};
const doubling = (n: number, leaf: string, type = "Offer") =>
  [`fragment F0 on ${type} { ${leaf} }`, ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on ${type} { ...F${i} ...F${i} }`)].join(" ");

describe("the shape of a query once its fragments are expanded", () => {
  it("counts fields through fragments, once per spread", () => {
    // 2 + 2^k `a`s, each with one `b` below it: 2 + 2^(k+1) fields, the limit put just around it.
    const q = (k: number) => `{ x { y { ...F${k} } } } ${doubling(k, "a { b }")}`;
    expect(reason(q(4), { maxFields: 2 + 32, maxRepeatedPairs: Infinity })).toBe("ok");
    expect(reason(q(4), { maxFields: 2 + 31, maxRepeatedPairs: Infinity })).toMatch(/more than 33 fields/);
  });

  it("caps arguments per field or directive at 64, directives per place at 16, variables per operation at 512", () => {
    const list = (n: number, text: string) => Array.from({ length: n }, (_, i) => text.replaceAll("$i", String(i))).join(" ");
    expect(reason(`{ a(${list(64, "x$i: 1")}) }`)).toBe("ok");
    expect(reason(`{ a(${list(65, "x$i: 1")}) }`)).toMatch(/more than 64 arguments/);
    expect(reason(`{ a @d(${list(65, "x$i: 1")}) }`)).toMatch(/directive has more than 64 arguments/);
    expect(reason(`{ a ${list(16, "@d$i")} }`)).toBe("ok");
    expect(reason(`{ a ${list(17, "@d$i")} }`)).toMatch(/more than 16 directives/);
    expect(reason(`{ ... on Q ${list(17, "@d$i")} { a } }`)).toMatch(/directives/);
    expect(reason(`query Q ${list(17, "@d$i")} { a }`)).toMatch(/directives/);
    expect(reason(`query (${list(512, "$v$i: Int")}) { a }`)).toBe("ok");
    expect(reason(`query (${list(513, "$v$i: Int")}) { a }`)).toMatch(/more than 512 variables/);
  });

  it("counts pairs of fields under one response name, aliases by their alias", () => {
    const copies = (n: number, text: string) => Array.from({ length: n }, () => text).join(" ");
    // 63 copies are 1,953 pairs; 64 are 2,016.
    expect(reason(`{ ${copies(63, "viewer { kind }")} }`)).toBe("ok");
    expect(reason(`{ ${copies(64, "viewer { kind }")} }`)).toMatch(/more than 2000 pairs of fields/);
    expect(reason(`{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: __typename`).join(" ")} }`)).toBe("ok");
    // The same inside a fragment and an inline fragment, and in a nested selection set.
    expect(reason(`{ a { ...G } } fragment G on T { ... on T { ${copies(64, "id")} } }`)).toMatch(/pairs/);
    expect(reason(`{ a { b { c { ${copies(64, "id")} } } } }`)).toMatch(/pairs/);
  });

  it("counts pairs of distinct fragments spread side by side, also through inline fragments, but not the fragments they spread", () => {
    const side = (n: number, wrap = (s: string) => s) =>
      `{ o { ${wrap(Array.from({ length: n }, (_, i) => `...G${i}`).join(" "))} } } ${Array.from({ length: n }, (_, i) => `fragment G${i} on T { g${i}: id }`).join(" ")}`;
    expect(reason(side(63))).toBe("ok");
    expect(reason(side(64))).toMatch(/more than 2000 pairs of fragments/);
    expect(reason(side(64, (s) => `... on T { ${s} }`))).toMatch(/more than 2000 pairs of fragments/);
    // Fields and fragments are counted apart: 63 fragments side by side, each with the same field, pass.
    expect(reason(side(63).replace(/g\d+: id/g, "id"))).toBe("ok");
    // 64 fragments side by side within H are H's pairs, counted once, not again where H is spread.
    const nested = side(40).replace("{ o {", "{ o { ...H } p { ...H } q {");
    expect(reason(`${nested} fragment H on T { ${Array.from({ length: 40 }, (_, i) => `...G${i}`).join(" ")} }`)).toBe("ok");
  });

  it("doubling fragments up to 30 are refused at once, on any of the limits", () => {
    for (let n = 1; n <= 30; n++) {
      const started = performance.now();
      const v = verdict(`{ offers { edges { node { ...F${n} } } } } ${doubling(n, "id")}`);
      expect(performance.now() - started).toBeLessThan(50);
      // 2^n ids in one selection set: 2^5 = 32 are 496 pairs, 2^6 = 64 are 2,016.
      expect({ n, ok: v.ok }).toEqual({ n, ok: n <= 5 });
    }
    // Without repeated names, doubling is stopped by the field count: 2^14 > 10,000.
    const distinct = (n: number) =>
      [`fragment F0 on T { ${Array.from({ length: 4 }, (_, i) => `f${i}`).join(" ")} }`, ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on T { a${i}: x { ...F${i} } b${i}: x { ...F${i} } }`)].join(" ");
    expect(reason(`{ ...F10 } ${distinct(10)}`)).toBe("ok");
    expect(reason(`{ ...F12 } ${distinct(12)}`)).toMatch(/more than 10000 fields/);
  });

  it("counts nesting through fields, inline fragments and spreads", () => {
    const chain = (n: number) => ["fragment F0 on Offer { id }", ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on Offer { ...F${i} }`)].join(" ");
    expect(reason(`{ o { ...F200 } } ${chain(200)}`)).toBe("ok");
    expect(reason(`{ o { ...F300 } } ${chain(300)}`)).toMatch(/nests more than 256/);
    expect(reason(`{ ${"a { ".repeat(300)}b${" }".repeat(300)} }`)).toMatch(/nests more than 256/);
    // A fragment measured shallow, then spread deep: its depth still counts where it is spread.
    const deep = `{ x { ...F250 } ${"a { ".repeat(100)}...F250${" }".repeat(100)} } ${chain(250)}`;
    expect(reason(deep)).toMatch(/nests more than 256/);
  });

  it("leaves fragment cycles and unknown fragments to validation", () => {
    expect(reason("{ ...A } fragment A on Query { a ...B } fragment B on Query { b ...A }")).toBe("ok");
    expect(reason("{ ...Missing }")).toBe("ok");
  });

  it("measures fragments that are never spread too: validation compares their fields all the same", () => {
    expect(reason(`{ a } ${doubling(20, "id")}`)).toMatch(/fields|pairs/);
  });

  it("stops, refusing, when measuring would take too long", () => {
    // A fragment of 4,000 names spread into 5,000 separate selection sets: each spread merges 4,000 names.
    const names = Array.from({ length: 4000 }, (_, i) => `n${i}`).join(" ");
    const sets = Array.from({ length: 5000 }, (_, i) => `s${i}: x { ...N }`).join(" ");
    const started = performance.now();
    const v = verdict(`{ ${sets} } fragment N on T { ${names} }`, { maxFields: Infinity });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(v.ok ? "ok" : v.reason).toMatch(/too far to be checked/);
  });
});
