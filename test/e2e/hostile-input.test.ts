import { randomBytes, randomInt } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ProductsDocument, SellersDocument, ViewerDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * Hostile input at the gateway: malformed JSON, wrong variable types, huge
 * strings and numbers, deep and recursive queries, alias and fragment bombs,
 * thousands of operations in one request, random mutations with fuzzed
 * variables. Every answer must be a clean JSON error whose codes are the
 * contract's (and never INTERNAL_SERVER_ERROR: hostile input is the client's
 * mistake), answered quickly; the process stays up; nothing is written; and
 * the heap returns to its level once the garbage is collected.
 */
jest.setTimeout(180_000);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const CLIENT_CODES = new Set([
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "ALREADY_EXISTS",
  "NOT_AFFILIATED",
  "NO_ROUTE",
  "OFFER_NOT_ACTIVE",
  "FORWARD_CYCLE",
  "MAX_DEPTH_EXCEEDED",
  "STOCK_GATE_CLOSED",
  "VERSION_CONFLICT",
  "INSUFFICIENT_STOCK",
  "QUERY_TOO_COMPLEX",
  "RATE_LIMITED",
]);

let og: TestOffergate;
let world: Awaited<ReturnType<typeof buildWorld>>;
beforeAll(async () => {
  // Rate limiting is tested elsewhere; here it would only stop the barrage early.
  og = await startTestOffergate({ RATE_LIMIT_PER_MINUTE: "10000000" });
  world = await buildWorld(og.admin, 2);
  await world.affiliate(world.ids[0]!);
  await world.setStock(world.sellerId, 3);
});
afterAll(() => og?.close());

interface Hostile {
  name: string;
  body: string | Uint8Array;
  contentType?: string;
  admin?: boolean;
}

const json = (value: unknown) => JSON.stringify(value);
const nest = (open: string, close: string, n: number, inner = "") => open.repeat(n) + inner + close.repeat(n);
const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: viewer { kind }`).join(" ");
/** F(n) spreads F(n-1) twice: 2^n fields once expanded. */
const fragmentBomb = (levels: number) =>
  [`query { ...F${levels} }`, "fragment F0 on Query { viewer { kind } }"]
    .concat(Array.from({ length: levels }, (_, i) => `fragment F${i + 1} on Query { ...F${i} ...F${i} }`))
    .join("\n");
const manyOperations = (n: number) => Array.from({ length: n }, (_, i) => `query Q${i} { viewer { kind } }`).join("\n");

const FIXED: Hostile[] = [
  // Malformed JSON and wrong shapes.
  ...["{", '{"query": }', "null", "[]", '"{ viewer { kind } }"', "123", "true", '{"query": 5}', '{"query": null}', '{"query": ["{ viewer { kind } }"]}', '{"query": {}}', "", " ", "\u0000"].map(
    (body) => ({ name: `malformed body ${JSON.stringify(body).slice(0, 30)}`, body }),
  ),
  { name: "variables a string", body: json({ query: "{ viewer { kind } }", variables: "x" }) },
  { name: "variables an array", body: json({ query: "{ viewer { kind } }", variables: [1, 2] }) },
  { name: "operationName a number", body: json({ query: "{ viewer { kind } }", operationName: 5 }) },
  { name: "extensions a string", body: json({ query: "{ viewer { kind } }", extensions: "x" }) },
  { name: "invalid UTF-8", body: Uint8Array.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  { name: "a BOM before the JSON", body: `\uFEFF${json({ query: "{ viewer { kind } }" })}` },
  { name: "deeply nested JSON arrays (500k levels)", body: `{"query":"{ viewer { kind } }","variables":{"a":${nest("[", "]", 500_000)}}}` },
  { name: "deeply nested JSON objects (100k levels)", body: `{"query":"{ viewer { kind } }","variables":{"a":${nest('{"a":', "}", 100_000, "1")}}}` },
  { name: "__proto__ in variables", body: '{"query":"query ($i: CreateSellerInput!) { createSeller(input: $i) { apiKey } }","variables":{"__proto__":{"i":{"name":"x"}},"i":{"__proto__":{"name":"polluted"}}}}' },
  { name: "a persisted-query hash only", body: json({ extensions: { persistedQuery: { version: 1, sha256Hash: "a".repeat(64) } } }) },
  // Wrong variable types and extreme numbers.
  ...[
    ["a string for Int", "query ($n: Int) { sellers(first: $n) { totalCount } }", { n: "ten" }],
    ["an object for ID", "query ($id: ID!) { seller(id: $id) { id } }", { id: { $ne: null } }],
    ["an array for ID", "query ($id: ID!) { seller(id: $id) { id } }", { id: ["a", "b"] }],
    ["null for a required ID", "query ($id: ID!) { seller(id: $id) { id } }", { id: null }],
    ["a float for Int", "query ($n: Int) { sellers(first: $n) { totalCount } }", { n: 1.5 }],
    ["2^31 for Int", "query ($n: Int) { sellers(first: $n) { totalCount } }", { n: 2 ** 31 }],
    ["1e308 for Int", "query ($n: Int) { sellers(first: $n) { totalCount } }", { n: 1e308 }],
    ["-2^53 for Int", "query ($n: Int) { sellers(first: $n) { totalCount } }", { n: -(2 ** 53) }],
    ["a Mongo operator as an id", 'query { seller(id: "{\\"$gt\\": \\"\\"}") { id } }', {}],
    ["undeclared variables", "{ viewer { kind } }", { x: 1, y: "z".repeat(1000) }],
    ["an unknown enum value", "query ($s: OfferStatus) { offers(filter: { status: $s }) { totalCount } }", { s: "ALL" }],
    ["an input with unknown fields", "query ($f: OfferFilter) { offers(filter: $f) { totalCount } }", { f: { $where: "sleep(1000)" } }],
  ].map(([name, query, variables]) => ({ name: name as string, body: json({ query, variables }) })),
  // Huge strings and numbers in literals.
  { name: "a 900 KB name", admin: true, body: json({ query: "mutation ($n: String!) { createSeller(input: { name: $n }) { apiKey } }", variables: { n: "x".repeat(900_000) } }) },
  { name: "a 900 KB id", body: json({ query: "query ($id: ID!) { offer(id: $id) { id } }", variables: { id: "o".repeat(900_000) } }) },
  { name: "a 100k-digit Int literal", body: json({ query: `{ sellers(first: ${"9".repeat(100_000)}) { totalCount } }` }) },
  { name: "a 500 KB string literal", body: json({ query: `{ seller(id: "${"s".repeat(500_000)}") { id } }` }) },
  { name: "a huge price", admin: true, body: json({ query: `mutation { submitOffer(input: { sellerId: "x", marketplaceId: "y", productId: "z", price: 99999999999999999999, currency: "BRL" }) { id } }` }) },
  { name: "a huge stock quantity", admin: true, body: json({ query: "mutation ($i: SetStockInput!) { setStock(input: $i) { version } }", variables: { i: { ownerId: "sel_x", productId: "prd_x", quantity: 1e300 } } }) },
  // Deep and recursive queries.
  { name: "depth 40 through forwards", body: json({ query: `{ offers(first: 1) { edges { node { ${nest("forwards { ", " }", 40, "id")} } } } }` }) },
  { name: "5000 nested selection sets", body: json({ query: nest("{ a ", " }", 5000).replace(/^\{ a /, "{ viewer ") }) },
  { name: "100k opening braces", body: json({ query: "{".repeat(100_000) }) },
  { name: "fragments spreading each other", body: json({ query: "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }" }) },
  { name: "a fragment spreading itself", body: json({ query: "query { ...A } fragment A on Query { viewer { kind } ...A }" }) },
  // Bombs.
  { name: "5000 aliases", body: json({ query: `{ ${aliases(5000)} }` }) },
  { name: "a fragment bomb (2^40 fields)", body: json({ query: fragmentBomb(40) }) },
  { name: "4000 identical fields", body: json({ query: `{ ${"viewer { kind } ".repeat(4000)} }` }) },
  { name: "2000 directives", body: json({ query: `{ viewer ${"@include(if: true) ".repeat(2000)} { kind } }` }) },
  // Many operations.
  { name: "3000 operations in one document", body: json({ query: manyOperations(3000) }) },
  { name: "3000 operations in one document, one named", body: json({ query: manyOperations(3000), operationName: "Q7" }) },
  { name: "a batch of 5000 operations", body: json(Array.from({ length: 5000 }, () => ({ query: "{ viewer { kind } }" }))) },
  { name: "a batch of 10 bombs", body: json(Array.from({ length: 10 }, () => ({ query: fragmentBomb(30) }))) },
  { name: "a batch of garbage", body: json([1, "x", null, [], { query: 5 }]) },
];

/** A random JSON value of any kind, some of them huge or strange. */
function fuzzValue(depth = 0): unknown {
  switch (randomInt(0, depth > 2 ? 10 : 13)) {
    case 0: return null;
    case 1: return randomInt(-(2 ** 31), 2 ** 31);
    case 2: return [0, -1, 2 ** 31, -(2 ** 53), 1e308, -0, 0.5, Number.MAX_SAFE_INTEGER][randomInt(0, 8)];
    case 3: return randomBytes(randomInt(0, 40)).toString("base64");
    case 4: return "x".repeat(randomInt(190, 5000));
    case 5: return ["", " ", "\u0000", "💥".repeat(300), "sel_000000000000000000000000", "'; db.dropDatabase()", "$where", "__proto__"][randomInt(0, 8)];
    case 6: return randomInt(0, 2) === 0;
    case 7: return [world.sellerId, world.ids[0], world.ids[1], world.productId][randomInt(0, 4)];
    case 8: return ["ACTIVE", "APPROVE", "DENY", "MIN_OF_CHAIN", "SELLER_GATED", "BRL", "nope"][randomInt(0, 7)];
    case 9: return "4006381333931";
    case 10: return Array.from({ length: randomInt(0, 4) }, () => fuzzValue(depth + 1));
    default: return Object.fromEntries(Array.from({ length: randomInt(0, 6) }, () => [["name", "gtin", "ownerId", "productId", "quantity", "delta", "sellerId", "marketplaceId", "price", "currency", "expectedVersion", "__proto__", "constructor", "$gt"][randomInt(0, 14)]!, fuzzValue(depth + 1)]));
  }
}

const MUTATIONS = [
  "mutation ($input: CreateSellerInput!) { createSeller(input: $input) { apiKey } }",
  "mutation ($input: CreateMarketplaceInput!) { createMarketplace(input: $input) { apiKey } }",
  "mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }",
  "mutation ($input: ConfigureMarketplaceInput!) { configureMarketplace(input: $input) { id } }",
  "mutation ($sellerId: ID!, $marketplaceId: ID!) { affiliateSeller(sellerId: $sellerId, marketplaceId: $marketplaceId) { createdAt } }",
  "mutation ($input: OpenRouteInput!) { openRoute(input: $input) { active } }",
  "mutation ($from: ID!, $to: ID!) { closeRoute(fromMarketplaceId: $from, toMarketplaceId: $to) { active } }",
  "mutation ($input: SetStockInput!) { setStock(input: $input) { version } }",
  "mutation ($input: AdjustStockInput!) { adjustStock(input: $input) { version } }",
  "mutation ($input: SubmitOfferInput!) { submitOffer(input: $input) { id } }",
  "mutation ($offerId: ID!) { withdrawOffer(offerId: $offerId) { id } }",
  "mutation ($offerId: ID!, $decision: ReviewDecision!) { reviewOffer(offerId: $offerId, decision: $decision) { id } }",
  "mutation ($offerId: ID!, $to: ID!) { forwardOffer(offerId: $offerId, toMarketplaceId: $to) { id } }",
  "mutation ($accountId: ID) { rotateApiKey(accountId: $accountId) { apiKey } }",
  "query ($ownerId: ID!, $productId: ID!) { stockLevel(ownerId: $ownerId, productId: $productId) { quantity } }",
  "query ($marketplaceId: ID!, $after: String, $first: Int) { offerEvents(marketplaceId: $marketplaceId, after: $after, first: $first) { pageInfo { hasNextPage } } }",
  "query ($id: ID, $gtin: String) { product(id: $id, gtin: $gtin) { id } }",
  "query ($filter: OfferFilter, $first: Int, $after: String) { offers(filter: $filter, first: $first, after: $after) { totalCount } }",
];
const VARIABLES = ["input", "sellerId", "marketplaceId", "from", "to", "offerId", "decision", "accountId", "ownerId", "productId", "after", "first", "id", "gtin", "filter"];

/** A mutation or private query with random variables, sent as a seller (rights checked, then input) so that nothing valid can be created by chance. */
const fuzzed = (): Hostile => {
  const query = MUTATIONS[randomInt(0, MUTATIONS.length)]!;
  const variables = Object.fromEntries(VARIABLES.filter((v) => query.includes(`$${v}`)).map((v) => [v, fuzzValue()]));
  return { name: `fuzzed ${query.slice(0, 40)}`, body: json({ query, variables }) };
};

interface Outcome {
  status: number;
  codes: unknown[];
  ms: number;
  text: string;
}

async function send(h: Hostile, apiKey?: string): Promise<Outcome> {
  const started = Date.now();
  const response = await fetch(og.url, {
    method: "POST",
    headers: {
      "content-type": h.contentType ?? "application/json",
      accept: "application/graphql-response+json, application/json",
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    },
    body: typeof h.body === "string" ? h.body : Buffer.from(h.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const ms = Date.now() - started;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: response.status, codes: ["<not JSON>"], ms, text };
  }
  const results = Array.isArray(parsed) ? parsed : [parsed];
  const codes = results.flatMap((r) => ((r as { errors?: { extensions?: { code?: unknown } }[] } | null)?.errors ?? []).map((e) => e.extensions?.code));
  return { status: response.status, codes, ms, text };
}

/** The hostile input is answered as the client's mistake: a JSON error with the contract's codes, under 500, in good time. */
function expectClean(h: Hostile, o: Outcome): void {
  const problem = (what: string) => `${h.name}: ${what} (HTTP ${o.status}, ${o.ms} ms): ${o.text.slice(0, 300)}`;
  if (o.status >= 500) throw new Error(problem("server error"));
  if (o.codes.length === 0 && o.status !== 200) throw new Error(problem("refused without a GraphQL error"));
  for (const code of o.codes) if (!CLIENT_CODES.has(String(code))) throw new Error(problem(`code ${String(code)}`));
  if (o.ms > 5_000) throw new Error(problem("too slow"));
  if (/stack|at [\w.<>]+ \(|node_modules|127\.0\.0\.1:\d+/.test(o.text)) throw new Error(problem("internals in the answer"));
}

const state = async () => {
  const [sellers, products, stock] = await Promise.all([
    og.admin.data(SellersDocument, { first: 0 }),
    og.admin.data(ProductsDocument, { first: 0 }),
    og.admin.data(ViewerDocument),
  ]);
  return { sellers: sellers.sellers.totalCount, products: products.products.totalCount, viewer: stock.viewer };
};

describe("hostile input", () => {
  it.each(FIXED.map((h) => [h.name, h] as const))("%s: a clean error with the contract's codes", async (_, h) => {
    expectClean(h, await send(h, h.admin ? og.adminApiKey : undefined));
    // Still serving.
    expect(await og.anonymous.data(ViewerDocument)).toEqual({ viewer: null });
  });

  it("500 random mutations and private queries with fuzzed variables: each a clean error or a correct refusal, nothing created", async () => {
    const before = await state();
    for (let i = 0; i < 500; i++) {
      const h = fuzzed();
      const o = await send(h, world.seller.apiKey);
      expectClean(h, o);
    }
    const after = await state();
    expect(after.sellers).toBe(before.sellers);
    expect(after.products).toBe(before.products);
  });

  it("the whole barrage again, three times over: the heap returns to its level", async () => {
    const round = async () => {
      for (const h of FIXED) expectClean(h, await send(h, h.admin ? og.adminApiKey : undefined));
      for (let i = 0; i < 200; i++) expectClean(fuzzed(), await send(fuzzed(), world.seller.apiKey));
    };
    const heap = () => {
      for (let i = 0; i < 3; i++) gc();
      return process.memoryUsage().heapUsed;
    };
    await round(); // caches (parsed documents, plans) fill to their bounds
    const baseline = heap();
    for (let i = 0; i < 3; i++) await round();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const grown = heap() - baseline;
    process.stderr.write(`hostile input: heap ${(baseline / 2 ** 20).toFixed(1)} MB before, ${(grown / 2 ** 20).toFixed(1)} MB more after 3 rounds\n`);
    expect(grown).toBeLessThan(30 * 2 ** 20);
    expect(await og.anonymous.data(ViewerDocument)).toEqual({ viewer: null });
  });
});
