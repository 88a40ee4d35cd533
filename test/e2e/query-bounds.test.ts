import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * Queries written to cost far more than their size, sent anonymously to the
 * real gateway with the default limits (MAX_TOKENS 10,000, MAX_COST 50,000,
 * MAX_ALIASES 50, MAX_DEPTH 15): each of 64 KB or less is answered, or
 * refused with a contract code, in under a second. `npm run bench:hostile`
 * prints the figures.
 */
let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate();
  // The first requests compile the gateway's code paths; they are not what is timed.
  for (let i = 0; i < 5; i++) await send({ query: `query W${i} { offers(first: 1) { edges { node { id } } } viewer { kind } }` });
});
afterAll(() => og?.close());

/** The bound the gateway promises for any query of 64 KB or less. */
const SECOND = 1_000;
const KB64 = 65_536;

interface Sent {
  ms: number;
  status: number;
  codes: unknown[];
  data: unknown;
}

/** POSTs a body as it is and times the answer; `accept` picks between the two GraphQL-over-HTTP media types. */
async function send(body: Record<string, unknown> | string, accept = "application/json"): Promise<Sent> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const started = performance.now();
  const response = await fetch(og.url, { method: "POST", headers: { "content-type": "application/json", accept }, body: text, signal: AbortSignal.timeout(30_000) });
  const json = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
  return { ms: performance.now() - started, status: response.status, codes: (json.errors ?? []).map((e) => e.extensions?.code), data: json.data ?? null };
}

/** Each query under a new operation name: the gateway caches what it parsed by the text. */
let sent = 0;
const named = (query: string) => `query Q${sent++} ${query}`;

/** F(i) spreads F(i-1) twice: 2^n copies of the leaf once expanded. */
const doubling = (n: number, type: string, leaf: string) =>
  [`fragment F0 on ${type} { ${leaf} }`, ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on ${type} { ...F${i} ...F${i} }`)].join(" ");
const chain = (n: number) => ["fragment F0 on Offer { id }", ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on Offer { ...F${i} }`)].join(" ");
const repeat = (n: number, text: string, separator = " ") => Array.from({ length: n }, (_, i) => text.replaceAll("$i", String(i))).join(separator);
/** As many copies of `unit` ($i: its number) as fit in a 64 KB body around `head` and `tail`. */
const fill = (head: string, unit: string, tail: string, separator = " ") => {
  // The body's JSON around the query, the operation name, and escapes: the units here need none.
  let size = JSON.stringify({ query: `query Q000000 ${head}${tail}` }).length;
  const parts: string[] = [];
  for (let i = 0; ; i++) {
    const part = unit.replaceAll("$i", String(i));
    const more = JSON.stringify(part).length - 2 + (parts.length ? separator.length : 0);
    if (size + more > KB64) break;
    size += more;
    parts.push(part);
  }
  return `${head}${parts.join(separator)}${tail}`;
};

describe("doubling fragments", () => {
  it("under offers(first: 0), n = 1 to 30: each answered or refused in under a second; refused from 2^6 copies of one field", async () => {
    for (let n = 1; n <= 30; n++) {
      const result = await send({ query: named(`{ offers(first: 0) { edges { node { ...F${n} } } } } ${doubling(n, "Offer", "id")}`) });
      expect({ n, fast: result.ms < SECOND }).toEqual({ n, fast: true });
      // 2^5 = 32 ids in one selection set are 496 pairs to compare; 2^6 = 64 are 2,016, over 2,000.
      if (n <= 5) expect({ n, codes: result.codes, data: result.data }).toEqual({ n, codes: [], data: { offers: { edges: [] } } });
      else expect({ n, codes: result.codes }).toEqual({ n, codes: ["QUERY_TOO_COMPLEX"] });
    }
  });

  it("with a different field at each level (no repeated names), refused once the expansion has more fields than MAX_TOKENS", async () => {
    // F(i) = { a_i: product { ...F(i-1) } b_i: product { ...F(i-1) } }: 2^(n+1) fields or so; aliases are counted only after this.
    const distinct = (n: number) =>
      [
        "fragment F0 on Offer { id }",
        ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on Offer { a${i}: forwards { ...F${i} } b${i}: forwards { ...F${i} } }`),
      ].join(" ");
    for (const n of [13, 20, 30]) {
      const result = await send({ query: named(`{ offers(first: 0) { edges { node { ...F${n} } } } } ${distinct(n)}`) });
      expect({ n, codes: result.codes, fast: result.ms < SECOND }).toEqual({ n, codes: ["QUERY_TOO_COMPLEX"], fast: true });
    }
  });

  it("on Query and through inline fragments, n = 30: refused", async () => {
    for (const query of [
      `{ ...F30 } ${doubling(30, "Query", "viewer { kind }")}`,
      `{ offers(first: 0) { edges { node { ...F30 } } } } ${doubling(30, "Offer", "... on Offer { id ... on Offer { price } }")}`,
    ]) {
      const result = await send({ query: named(query) });
      expect(result.codes).toEqual(["QUERY_TOO_COMPLEX"]);
      expect(result.ms).toBeLessThan(SECOND);
    }
  });

  it("the refusal is remembered with the parsed text: the same text again is refused without measuring", async () => {
    const query = named(`{ offers(first: 0) { edges { node { ...F30 } } } } ${doubling(30, "Offer", "id")}`);
    const first = await send({ query });
    const again = await send({ query });
    expect([first.codes, again.codes]).toEqual([["QUERY_TOO_COMPLEX"], ["QUERY_TOO_COMPLEX"]]);
  });
});

describe("deep chains", () => {
  it("a chain of 200 fragments is answered; one of 1,000 is refused", async () => {
    const short = await send({ query: named(`{ offers(first: 1) { edges { node { ...F200 } } } } ${chain(200)}`) });
    expect(short.codes).toEqual([]);
    const long = await send({ query: named(`{ offers(first: 1) { edges { node { ...F1000 } } } } ${chain(1000)}`) });
    expect(long.codes).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(Math.max(short.ms, long.ms)).toBeLessThan(SECOND);
  });

  it("1,500 nested selections through forwards are refused", async () => {
    const result = await send({ query: named(`{ offer(id: "x") { ${"forwards { ".repeat(1500)}id${" }".repeat(1500)} } }`) });
    expect(result.codes).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(result.ms).toBeLessThan(SECOND);
  });
});

describe("`__typename` aliases", () => {
  const aliases = (n: number) => repeat(n, "a$i: __typename");

  it("count against MAX_ALIASES like any other: 50 are answered, 51 refused, 3,000 refused", async () => {
    const fifty = await send({ query: named(`{ ${aliases(50)} }`) });
    expect(fifty.codes).toEqual([]);
    expect(Object.keys(fifty.data ?? {})).toHaveLength(50);
    expect((await send({ query: named(`{ ${aliases(51)} }`) })).codes).toEqual(["QUERY_TOO_COMPLEX"]);
    const many = await send({ query: named(`{ ${aliases(3000)} }`) });
    expect(many.codes).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(many.ms).toBeLessThan(SECOND);
  });

  it("are counted once per spread of the fragment that holds them", async () => {
    // 2^5 = 32 aliases pass; 2^6 = 64 are over 50 (and over the pairs of one name).
    expect((await send({ query: named(`{ offers(first: 0) { edges { node { ...F5 } } } } ${doubling(5, "Offer", "t: __typename")}`) })).codes).toEqual([]);
    expect((await send({ query: named(`{ offers(first: 0) { edges { node { ...F6 } } } } ${doubling(6, "Offer", "t: __typename")}`) })).codes).toEqual(["QUERY_TOO_COMPLEX"]);
  });
});

describe("fields repeated to make validation quadratic", () => {
  it("63 identical selections are answered; 64, 2,400, or 1,000 fragments of the same field are QUERY_TOO_COMPLEX", async () => {
    const ok = await send({ query: named(`{ ${repeat(63, "viewer { kind }")} }`) });
    expect(ok.codes).toEqual([]);
    const refused = [
      await send({ query: named(`{ ${repeat(64, "viewer { kind }")} }`) }),
      await send({ query: named(`{ ${repeat(2400, "viewer { kind }")} }`) }),
      await send({ query: named(`{ ${repeat(1000, "...G$i")} } ${repeat(1000, "fragment G$i on Query { viewer { kind } }")}`) }),
    ];
    for (const result of refused) {
      expect(result.codes).toEqual(["QUERY_TOO_COMPLEX"]);
      expect(result.ms).toBeLessThan(SECOND);
    }
  });
});

describe("fragments spread side by side", () => {
  it("63 distinct fragments in one selection set are answered; 64 are QUERY_TOO_COMPLEX (graphql-js compares every pair)", async () => {
    const side = (n: number) => `{ offers(first: 0) { edges { node { ${repeat(n, "...G$i")} } } } } ${repeat(n, "fragment G$i on Offer { id }")}`;
    const ok = await send({ query: named(side(63)) });
    expect([ok.codes, ok.data]).toEqual([[], { offers: { edges: [] } }]);
    const refused = await send({ query: named(side(64)) });
    expect(refused.codes).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(Math.max(ok.ms, refused.ms)).toBeLessThan(SECOND);
  });
});

describe("64 KB of each hostile kind: answered or refused with a contract code, in under a second", () => {
  const deep = (n: number) => `{ offer(id: "x") { ${"forwards { ".repeat(n)}id${" }".repeat(n)} } }`;
  /** Variables as an object, or as JSON text (too deep for JSON.stringify). */
  const CASES: [string, string, Record<string, unknown> | string | undefined, string[]][] = [
    // Selection sets, fragments and lists are the query's; tokens stop the longest before they are parsed in full.
    ["deep nesting, to the body limit (5,000 levels)", deep(5000), undefined, ["QUERY_TOO_COMPLEX"]],
    ["deep nesting under the token limit (3,300 levels)", deep(3300), undefined, ["QUERY_TOO_COMPLEX"]],
    ["`__typename` aliases, to the body limit", fill("{ ", "a$i: __typename", " }"), undefined, ["QUERY_TOO_COMPLEX"]],
    ["3,300 `__typename` aliases (under the token limit)", `{ ${repeat(3300, "a$i: __typename")} }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["5,900 unaliased `__typename`", `{ ${repeat(5900, "__typename")} }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["identical `viewer { kind }`, to the body limit", fill("{ ", "viewer { kind }", " }"), undefined, ["QUERY_TOO_COMPLEX"]],
    ["1,200 identical `offers(first: 0) { totalCount }`", `{ ${repeat(1200, "offers(first: 0) { totalCount }")} }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["4,900 spreads of one fragment", `{ offers(first: 0) { edges { node { ${repeat(4900, "...G")} } } } } fragment G on Offer { id }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["1,200 fragments each spread once", `{ offers(first: 1) { edges { node { ${repeat(1200, "...G$i")} } } } } ${repeat(1200, "fragment G$i on Offer { id }")}`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["900 fragments, each a distinct alias", `{ offers(first: 0) { edges { node { ${repeat(900, "...G$i")} } } } } ${repeat(900, "fragment G$i on Offer { g$i: id }")}`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["a deep chain of lists within MAX_DEPTH (10^12 items by the cost estimate)", deep(12), undefined, ["QUERY_TOO_COMPLEX"]],
    ["pages of 100 in pages of 100, then lists three deep", "{ marketplaces(first: 100) { edges { node { offers(first: 100) { edges { node { forwards { forwards { forwards { id } } } } } } } } } }", undefined, ["QUERY_TOO_COMPLEX"]],
    // More than 64 arguments on a field, 16 directives on a place, 512 variables: refused before validation.
    ["3,300 unknown arguments", `{ offers(${repeat(3300, "a$i: 1")}) { totalCount } }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["one argument repeated 3,300 times", `{ offers(${repeat(3300, "first: 1")}) { totalCount } }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["3,000 arguments spread over fields of 60", `{ ${repeat(50, `o$i: offers(${repeat(60, "a$i: 1")}) { totalCount }`)} }`, undefined, ["BAD_USER_INPUT", "QUERY_TOO_COMPLEX"]],
    ["a list literal 64 KB long", fill("{ offers(filter: { productId: [", '"p"', "] }) { totalCount } }", ","), undefined, ["QUERY_TOO_COMPLEX"]],
    ["a list literal nested 3,000 deep", `{ offers(filter: { productId: ${"[".repeat(3000)}"p"${"]".repeat(3000)} }) { totalCount } }`, undefined, ["QUERY_TOO_COMPLEX", "BAD_USER_INPUT"]],
    ["an input object nested 2,000 deep", `{ offers(filter: ${"{ a: ".repeat(2000)}1${" }".repeat(2000)}) { totalCount } }`, undefined, ["QUERY_TOO_COMPLEX", "BAD_USER_INPUT"]],
    ["4,800 unknown directives on one field", `{ viewer { kind ${repeat(4800, "@d$i")} } }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["1,400 `@include(if: true)` on one field", `{ viewer { kind ${repeat(1400, "@include(if: true)")} } }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["1,200 `__typename @skip(if: false)`", `{ ${repeat(1200, "__typename @skip(if: false)")} }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["2,400 declared variables", `(${repeat(2400, "$v$i: Int")}) { viewer { kind } }`, undefined, ["QUERY_TOO_COMPLEX"]],
    ["512 declared variables, unused", `(${repeat(512, "$v$i: Int")}) { viewer { kind } }`, undefined, ["BAD_USER_INPUT"]],
    ["a variable of 64 KB", "($id: ID!) { offer(id: $id) { id } }", { id: "x".repeat(KB64 - 200) }, ["none", "NOT_FOUND", "BAD_USER_INPUT"]],
    ["a variable's value nested 10,000 deep", "($id: ID) { offer(id: $id) { id } }", `{"id":${"[".repeat(10_000)}1${"]".repeat(10_000)}}`, ["BAD_USER_INPUT"]],
    ["4,000 variables given, none declared", "{ viewer { kind } }", Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`v${i}`, i])), ["none"]],
  ];

  it.each(CASES)("%s", async (_, query, variables, expected) => {
    const json = JSON.stringify({ query: named(query), ...(typeof variables === "object" ? { variables } : {}) });
    const body = typeof variables === "string" ? `${json.slice(0, -1)},"variables":${variables}}` : json;
    expect(body.length).toBeLessThanOrEqual(KB64);
    const result = await send(body);
    expect(expected).toContain(result.codes[0] ?? "none");
    expect(result.status).toBe(200);
    expect(result.ms).toBeLessThan(SECOND);
  });
});

describe("HTTP status of a limit's refusal (GraphQL-over-HTTP)", () => {
  it.each([
    ["tokens", `{ ${repeat(10_001, "__typename")} }`],
    ["shape", `{ offers(first: 0) { edges { node { ...F20 } } } } ${doubling(20, "Offer", "id")}`],
    ["depth", `{ offer(id: "x") { ${"forwards { ".repeat(20)}id${" }".repeat(20)} } }`],
    ["aliases", `{ ${repeat(51, "a$i: __typename")} }`],
    ["cost", `{ offer(id: "x") { ${"forwards { ".repeat(10)}id${" }".repeat(10)} } }`],
  ])("%s: 200 to application/json, 400 to application/graphql-response+json, QUERY_TOO_COMPLEX both ways", async (_, query) => {
    const plain = await send({ query: named(query) }, "application/json");
    const typed = await send({ query: named(query) }, "application/graphql-response+json");
    expect([plain.status, plain.codes, typed.status, typed.codes]).toEqual([200, ["QUERY_TOO_COMPLEX"], 400, ["QUERY_TOO_COMPLEX"]]);
  });
});
