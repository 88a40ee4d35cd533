import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, parse } from "graphql";
import { UNBOUNDED_LIST_SIZE, estimateCost } from "../../src/gateway/limits";
import { clientAddress, createLocalRateLimiter } from "../../src/gateway/rate-limit";

const schema = buildSchema(readFileSync(join(__dirname, "..", "..", "schema", "api.graphql"), "utf8"));
const cost = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  estimateCost(schema, parse(query), operationName, variables);

describe("the cost estimate", () => {
  it.each([
    ["one scalar", "{ viewer { kind } }", 2],
    ["a page of 10: the connection, then 10 × (edges, node, id)", "{ sellers(first: 10) { edges { node { id } } } }", 1 + 10 * 3],
    ["the schema's default page (20) when first is left out", "{ sellers { edges { node { id } } } }", 1 + 20 * 3],
    ["first: 0 counts as a page of 1: it cannot hide what the selection would cost", "{ sellers(first: 0) { totalCount edges { node { id } } } }", 1 + 4],
    ["totalCount and pageInfo are counted once per page", "{ sellers(first: 5) { totalCount pageInfo { hasNextPage } } }", 1 + 5 * 3],
    [`a list without first counts ${UNBOUNDED_LIST_SIZE}`, '{ offer(id: "x") { forwards { id } } }', 1 + 1 + UNBOUNDED_LIST_SIZE],
    ["nested pages multiply", "{ marketplaces(first: 10) { edges { node { offers(first: 10) { edges { node { id } } } } } } }", 1 + 10 * (2 + 1 + 10 * 3)],
    ["a fragment costs every spread", "{ viewer { ...P ...P } } fragment P on Principal { kind id }", 1 + 4],
    ["inline fragments", "{ viewer { ... on Principal { kind } } }", 2],
    ["a huge first is clamped to 1000", "{ sellers(first: 999999999) { edges { node { id } } } }", 1 + 1000 * 3],
  ])("%s", (_, query, expected) => {
    expect(cost(query)).toBe(expected);
  });

  it("reads first from the variables, falling back to the default", () => {
    const q = "query ($n: Int) { sellers(first: $n) { edges { node { id } } } }";
    expect(cost(q, { n: 3 })).toBe(1 + 3 * 3);
    expect(cost(q, {})).toBe(1 + 20 * 3);
    expect(cost(q, { n: "ten" })).toBe(1 + 20 * 3);
  });

  it("costs the operation named, and stops counting once past the limit", () => {
    const doc = "query A { viewer { kind } } query B { sellers(first: 100) { edges { node { id } } } }";
    expect(cost(doc, {}, "A")).toBe(2);
    expect(cost(doc, {}, "B")).toBe(301);
    const bomb = ["query { ...F30 }", "fragment F0 on Query { viewer { kind } }", ...Array.from({ length: 30 }, (_, i) => `fragment F${i + 1} on Query { ...F${i} ...F${i} }`)].join("\n");
    const started = Date.now();
    expect(estimateCost(schema, parse(bomb), undefined, {}, 1000)).toBeGreaterThan(1000);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  const doubling = (n: number, root: string, leaf = "id") =>
    [root.replace("SPREAD", `...F${n}`), `fragment F0 on Offer { ${leaf} }`, ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on Offer { ...F${i} ...F${i} }`)].join("\n");

  it("expands fragments as spread, even under first: 0: doubling n times costs 2^n", () => {
    // offers, edges, node, then 2^n ids.
    for (const n of [0, 1, 10, 20]) expect(cost(doubling(n, "{ offers(first: 0) { edges { node { SPREAD } } } }"))).toBe(3 + 2 ** n);
    expect(cost(doubling(3, "{ offers(first: 4) { edges { node { SPREAD } } } }", "id price"))).toBe(1 + 4 * (2 + 16));
  });

  it("remembers each fragment's cost: 2^200 spreads are costed in a moment, and the figure saturates past the limit", () => {
    const bomb = parse(doubling(200, "{ offers(first: 0) { edges { node { SPREAD } } } }"));
    const started = Date.now();
    expect(estimateCost(schema, bomb, undefined, {}, 50_000)).toBe(50_001);
    expect(estimateCost(schema, bomb, undefined, {})).toBeGreaterThan(2 ** 199);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("refuses to follow a chain of fragments deeper than it will recurse", () => {
    const chain = ["{ offers(first: 1) { edges { node { ...F300 } } } }", "fragment F0 on Offer { id }", ...Array.from({ length: 300 }, (_, i) => `fragment F${i + 1} on Offer { ...F${i} }`)];
    expect(() => cost(chain.join("\n"))).toThrow(/nests too deeply/);
    expect(cost([chain[0]!.replace("F300", "F100"), ...chain.slice(1, 102)].join("\n"))).toBe(1 + 1 + 1 + 1);
  });
});

describe("the local rate limiter", () => {
  it("counts per bucket in one-minute windows", async () => {
    const limiter = createLocalRateLimiter(3, 60_000);
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push((await limiter.hit("a")).allowed);
    expect(verdicts).toEqual([true, true, true, false]);
    expect((await limiter.hit("b")).allowed).toBe(true);
    const { retryAfterMs } = await limiter.hit("a");
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it("starts a new window after the old one", async () => {
    const limiter = createLocalRateLimiter(1, 50);
    expect((await limiter.hit("a")).allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await limiter.hit("a")).allowed).toBe(true);
  });
});

describe("the client's address", () => {
  it.each([
    ["the socket's, by default", "10.0.0.1", "1.2.3.4", false, "10.0.0.1"],
    ["the last X-Forwarded-For entry behind a trusted proxy", "10.0.0.1", "6.6.6.6, 1.2.3.4", true, "1.2.3.4"],
    ["the socket's when there is no X-Forwarded-For", "10.0.0.1", null, true, "10.0.0.1"],
  ] as const)("%s", (_, socket, forwarded, trust, expected) => {
    expect(clientAddress(socket, forwarded, trust)).toBe(expected);
  });
});
