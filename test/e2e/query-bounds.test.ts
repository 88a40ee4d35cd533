import { errorCodes } from "../helpers/graphql-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * Queries written to cost far more than their size, sent anonymously with
 * the default limits (MAX_COST 50,000, MAX_ALIASES 50): each is answered or
 * refused with QUERY_TOO_COMPLEX, and quickly. The bound asserted here is
 * generous (the machine is shared); `npm run bench:hostile` prints the real
 * figures.
 */
let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate();
});
afterAll(() => og?.close());

const GENEROUS_MS = 5_000;

/** Posts a query, each time under a new operation name (the gateway caches by text), and times the answer. */
let sent = 0;
async function timed(query: string) {
  const started = Date.now();
  const response = await og.anonymous.post({ query: `query Q${sent++} ${query}` });
  return { ms: Date.now() - started, codes: errorCodes(response), data: response.data };
}

/** F(i) spreads F(i-1) twice: 2^n copies of the leaf once expanded. */
const doubling = (n: number, type: string, leaf: string) =>
  [`fragment F0 on ${type} { ${leaf} }`, ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on ${type} { ...F${i} ...F${i} }`)].join(" ");

describe("doubling fragments", () => {
  it("under offers(first: 0), n = 1 to 30: answered while 2^n ids are within the cost limit, refused beyond it", async () => {
    for (let n = 1; n <= 30; n++) {
      const result = await timed(`{ offers(first: 0) { edges { node { ...F${n} } } } } ${doubling(n, "Offer", "id")}`);
      expect({ n, ms: result.ms < GENEROUS_MS }).toEqual({ n, ms: true });
      // 3 + 2^n fields: n = 15 is 32,771, n = 16 is 65,539.
      if (n <= 15) expect({ n, codes: result.codes, data: result.data }).toEqual({ n, codes: [], data: { offers: { edges: [] } } });
      else expect({ n, codes: result.codes }).toEqual({ n, codes: ["QUERY_TOO_COMPLEX"] });
    }
  });

  it("on Query and through inline fragments, n = 30: refused", async () => {
    for (const query of [
      `{ ...F30 } ${doubling(30, "Query", "viewer { kind }")}`,
      `{ offers(first: 0) { edges { node { ...F30 } } } } ${doubling(30, "Offer", "... on Offer { id ... on Offer { price } }")}`,
    ]) {
      const result = await timed(query);
      expect(result.codes).toEqual(["QUERY_TOO_COMPLEX"]);
      expect(result.ms).toBeLessThan(GENEROUS_MS);
    }
  });
});

describe("deep chains", () => {
  const chain = (n: number) => [`{ offers(first: 1) { edges { node { ...F${n} } } } }`, "fragment F0 on Offer { id }", ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on Offer { ...F${i} }`)].join(" ");

  it("a chain of 200 fragments is answered; one of 1,000 is refused", async () => {
    const short = await timed(chain(200));
    expect(short.codes).toEqual([]);
    const long = await timed(chain(1000));
    expect(long.codes).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(Math.max(short.ms, long.ms)).toBeLessThan(GENEROUS_MS);
  });

  it("1,500 nested selections through forwards are refused", async () => {
    const result = await timed(`{ offer(id: "x") { ${"forwards { ".repeat(1500)}id${" }".repeat(1500)} } }`);
    expect(result.codes).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(result.ms).toBeLessThan(GENEROUS_MS);
  });
});

describe("`__typename` aliases", () => {
  const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(" ");

  it("count against MAX_ALIASES like any other: 50 are answered, 51 refused, 3,000 refused", async () => {
    const fifty = await timed(`{ ${aliases(50)} }`);
    expect(fifty.codes).toEqual([]);
    expect(Object.keys(fifty.data ?? {})).toHaveLength(50);
    expect((await timed(`{ ${aliases(51)} }`)).codes).toEqual(["QUERY_TOO_COMPLEX"]);
    const many = await timed(`{ ${aliases(3000)} }`);
    expect(many.codes).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(many.ms).toBeLessThan(GENEROUS_MS);
  });

  it("are counted once per spread of the fragment that holds them", async () => {
    // 2^5 = 32 aliases pass; 2^6 = 64 are over 50.
    expect((await timed(`{ offers(first: 0) { edges { node { ...F5 } } } } ${doubling(5, "Offer", "t: __typename")}`)).codes).toEqual([]);
    expect((await timed(`{ offers(first: 0) { edges { node { ...F6 } } } } ${doubling(6, "Offer", "t: __typename")}`)).codes).toEqual(["QUERY_TOO_COMPLEX"]);
  });
});

describe("fields repeated to exhaust validation", () => {
  it("2,400 identical selections, or 1,000 fragments of the same field, are QUERY_TOO_COMPLEX", async () => {
    const repeated = await timed(`{ ${"viewer { kind } ".repeat(2400)} }`);
    const fragments = await timed(
      `{ ${Array.from({ length: 1000 }, (_, i) => `...G${i}`).join(" ")} } ${Array.from({ length: 1000 }, (_, i) => `fragment G${i} on Query { viewer { kind } }`).join(" ")}`,
    );
    for (const result of [repeated, fragments]) {
      expect(result.codes).toEqual(["QUERY_TOO_COMPLEX"]);
      expect(result.ms).toBeLessThan(GENEROUS_MS);
    }
  });
});
