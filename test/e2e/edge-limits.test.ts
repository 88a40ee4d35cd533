import { randomBytes } from "node:crypto";
import { SellersDocument, ViewerDocument } from "../generated/graphql";
import { createMarketplace, createSeller, sellerInput } from "../fixtures";
import { errorCodes, type GraphQLClient } from "../helpers/graphql-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * The gateway's limits (SEMANTICS.md, "Limits"), each set low through the
 * environment, each refusing with a clear error and the contract's code, and
 * each refusing only what is over it.
 */
let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate({
    MAX_DEPTH: "6",
    MAX_ALIASES: "5",
    MAX_TOKENS: "200",
    MAX_COST: "1000",
    MAX_BATCH: "3",
    MAX_BODY_BYTES: "20000",
    RATE_LIMIT_PER_MINUTE: "30",
  });
});
afterAll(() => og?.close());

/** Counting is in fixed one-minute windows: start a test that counts with most of a window ahead. */
async function freshWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

const sellerTotal = async () => (await og.anonymous.data(SellersDocument, { first: 0 })).sellers.totalCount;

describe("query depth", () => {
  it("counts fields, not fragments: a query at the limit passes, one level more is QUERY_TOO_COMPLEX", async () => {
    // offers > edges > node > forwards > marketplace > id: depth 6.
    const atLimit = "{ offers(first: 1) { edges { node { forwards { marketplace { id } } } } } }";
    expect(errorCodes(await og.anonymous.post({ query: atLimit }))).toEqual([]);
    const viaFragment = "{ offers(first: 1) { ...E } } fragment E on OfferConnection { edges { node { forwards { marketplace { id } } } } }";
    expect(errorCodes(await og.anonymous.post({ query: viaFragment }))).toEqual([]);
    const over = await og.anonymous.post({ query: "{ offers(first: 1) { edges { node { forwards { marketplace { sellers { id } } } } } } }" });
    expect(errorCodes(over)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(over.errors![0]!.message).toMatch(/depth limit of 6/);
    expect(over.data ?? null).toBeNull();
  });
});

describe("aliases", () => {
  it("5 pass, 6 are QUERY_TOO_COMPLEX, also when hidden in a fragment", async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: viewer { kind }`).join(" ");
    expect(errorCodes(await og.anonymous.post({ query: `{ ${aliases(5)} }` }))).toEqual([]);
    expect(errorCodes(await og.anonymous.post({ query: `{ ${aliases(6)} }` }))).toEqual(["QUERY_TOO_COMPLEX"]);
    const inFragment = `{ ...F } fragment F on Query { ${aliases(6)} }`;
    expect(errorCodes(await og.anonymous.post({ query: inFragment }))).toEqual(["QUERY_TOO_COMPLEX"]);
  });
});

describe("tokens", () => {
  it("a document over MAX_TOKENS is QUERY_TOO_COMPLEX before it is parsed further", async () => {
    const fields = (n: number) => Array.from({ length: n }, () => "__typename").join(" ");
    // 60 copies: more of one field in one selection set are refused as repeated fields whatever the tokens.
    expect(errorCodes(await og.anonymous.post({ query: `{ ${fields(60)} }` }))).toEqual([]);
    const over = await og.anonymous.post({ query: `{ ${fields(250)} }` });
    expect(errorCodes(over)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(over.errors![0]!.message).toMatch(/200 tokens/);
  });
});

describe("cost", () => {
  it("`first` multiplies: a small page passes, the same query with a large page is QUERY_TOO_COMPLEX", async () => {
    const query = "query ($n: Int) { offers(first: $n) { edges { node { id price product { id name } seller { id name } } } } }";
    // 1 + n × (edges, node, id, price, product, id, name, seller, id, name) = 1 + 10n.
    expect(errorCodes(await og.anonymous.post({ query, variables: { n: 99 } }))).toEqual([]);
    const over = await og.anonymous.post({ query, variables: { n: 100 } });
    expect(errorCodes(over)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(over.errors![0]!.message).toMatch(/cost/);
    // The same with a literal, and with the schema's default of 20 when `first` is left out.
    const literal = (first: string) => `{ offers${first} { edges { node { id price product { id name } seller { id name } } } } }`;
    expect(errorCodes(await og.anonymous.post({ query: literal("(first: 100)") }))).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(errorCodes(await og.anonymous.post({ query: literal("") }))).toEqual([]);
  });

  it("nested lists multiply each other; a list without `first` counts as 10", async () => {
    // 1 + n × (edges, node, sellers = 1 + 10 × (id, name)) = 1 + 23n.
    const nested = (n: number) => `{ marketplaces(first: ${n}) { edges { node { sellers { id name } } } } }`;
    expect(errorCodes(await og.anonymous.post({ query: nested(43) }))).toEqual([]);
    expect(errorCodes(await og.anonymous.post({ query: nested(44) }))).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("a fragment spread many times costs every spread", async () => {
    const fragment = "fragment O on Offer { id price currency status available quantity }";
    const spreads = (n: number) => Array.from({ length: n }, () => "...O").join(" ");
    // Each spread costs 6 per offer, for 20 offers.
    expect(errorCodes(await og.anonymous.post({ query: `{ offers { edges { node { ${spreads(5)} } } } } ${fragment}` }))).toEqual([]);
    expect(errorCodes(await og.anonymous.post({ query: `{ offers { edges { node { ${spreads(10)} } } } } ${fragment}` }))).toEqual([
      "QUERY_TOO_COMPLEX",
    ]);
  });
});

describe("batching", () => {
  it("up to MAX_BATCH operations are answered in order; more are refused whole, running none", async () => {
    const before = await sellerTotal();
    const create = { query: "mutation($i: CreateSellerInput!) { createSeller(input: $i) { seller { id } } }" };
    const batch = (n: number) => Array.from({ length: n }, () => ({ ...create, variables: { i: sellerInput() } }));
    const response = await fetch(og.url, {
      method: "POST",
      headers: og.admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify(batch(4)),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.message).toMatch(/[Bb]atch/);
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await sellerTotal()).toBe(before);

    const ok = await fetch(og.url, {
      method: "POST",
      headers: og.admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify([{ query: "{ viewer { kind } }" }, ...batch(2)]),
      signal: AbortSignal.timeout(10_000),
    });
    const results = (await ok.json()) as { data?: any; errors?: unknown }[];
    expect(results).toHaveLength(3);
    expect(results[0]!.data).toEqual({ viewer: { kind: "ADMIN" } });
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(await sellerTotal()).toBe(before + 2);
  });
});

describe("request bodies", () => {
  const postRaw = (body: BodyInit, headers: Record<string, string>) =>
    fetch(og.url, { method: "POST", headers, body, duplex: "half", signal: AbortSignal.timeout(10_000) } as RequestInit);

  it("a chunked body under the limit is served; over it, 413 with BAD_USER_INPUT, and the server stays up", async () => {
    const stream = (text: string, pieces: number) => {
      const bytes = new TextEncoder().encode(text);
      const size = Math.ceil(bytes.length / pieces);
      let i = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(i, (i += size)));
        },
      });
    };
    const small = JSON.stringify({ query: "{ viewer { kind } }", variables: { pad: "x".repeat(10_000) } });
    const served = await postRaw(stream(small, 7), { "content-type": "application/json" });
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ data: { viewer: null } });

    const big = JSON.stringify({ query: "{ viewer { kind } }", variables: { pad: "x".repeat(100_000) } });
    const refused = await postRaw(stream(big, 50), { "content-type": "application/json" });
    expect(refused.status).toBe(413);
    expect(errorCodes((await refused.json()) as { errors?: [] })).toEqual(["BAD_USER_INPUT"]);
    expect(await og.anonymous.data(ViewerDocument)).toEqual({ viewer: null });
  });

  it.each([
    ["application/x-www-form-urlencoded", (q: string) => `query=${encodeURIComponent(q)}`],
    ["multipart/form-data; boundary=x", (q: string) => `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${q}\r\n--x--\r\n`],
    ["text/plain", (q: string) => JSON.stringify({ query: q })],
  ])("a POST a cross-site form could send (%s) is refused with 415 and runs nothing", async (contentType, encode) => {
    const before = await sellerTotal();
    const mutation = `mutation { createSeller(input: { name: "${sellerInput().name}" }) { seller { id } } }`;
    const response = await postRaw(encode(mutation), og.admin.headers({ "content-type": contentType }));
    expect(response.status).toBe(415);
    expect(errorCodes((await response.json()) as { errors?: [] })).toEqual(["BAD_USER_INPUT"]);
    expect(await sellerTotal()).toBe(before);
  });

  it("GET runs a query without any special header, and refuses a mutation with 405, changing nothing", async () => {
    expect((await og.anonymous.executeGet(ViewerDocument)).data).toEqual({ viewer: null });
    const before = await sellerTotal();
    const url = new URL(og.url);
    url.searchParams.set("query", `mutation { createSeller(input: { name: "${sellerInput().name}" }) { seller { id } } }`);
    const response = await fetch(url, { headers: og.admin.headers(), signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(405);
    expect(await sellerTotal()).toBe(before);
  });
});

describe("field suggestions", () => {
  it("are given outside production", async () => {
    const response = await og.anonymous.post({ query: "{ sellerz { totalCount } }" });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0]!.message).toMatch(/Did you mean/);
  });
});

// Last: these use up budgets of the minute.
describe("rate limits (30 a minute here)", () => {
  const spend = async (client: GraphQLClient, n: number) => {
    const codes: unknown[] = [];
    for (let i = 0; i < n; i++) codes.push(errorCodes(await client.execute(ViewerDocument))[0] ?? "OK");
    return codes;
  };

  it("each key has its own budget; past it, RATE_LIMITED with 429 and Retry-After, then the next key still works", async () => {
    const a = await createSeller(og.admin);
    const b = await createMarketplace(og.admin);
    await freshWindow();
    const codes = await spend(a.client, 31);
    expect(codes.slice(0, 30).every((c) => c === "OK")).toBe(true);
    expect(codes[30]).toBe("RATE_LIMITED");
    const response = await fetch(og.url, {
      method: "POST",
      headers: a.client.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ query: "{ viewer { kind } }" }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe("RATE_LIMITED");
    expect(body.errors[0]!.message).toMatch(/try again in \d+ s/);
    // Another account's key is untouched by a's spending.
    expect((await b.client.data(ViewerDocument)).viewer?.kind).toBe("MARKETPLACE");
  });

  it("a refused (rate-limited) mutation changes nothing", async () => {
    const a = await createSeller(og.admin);
    await freshWindow();
    await spend(a.client, 30);
    const before = await sellerTotal();
    const response = await a.client.post({ query: `mutation { createSeller(input: { name: "x" }) { seller { id } } }` });
    expect(errorCodes(response)).toEqual(["RATE_LIMITED"]);
    expect(await sellerTotal()).toBe(before);
  });

  it("the admin key is exempt", async () => {
    const codes = await spend(og.admin, 40);
    expect(codes.every((c) => c === "OK")).toBe(true);
  });

  it("anonymous callers share their address's budget, and unknown keys count against it too", async () => {
    // A gateway of its own, so that no other test has spent this address's budget.
    const own = await startTestOffergate({ RATE_LIMIT_PER_MINUTE: "10" });
    try {
      await freshWindow();
      const unknown = own.as(`og_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}`);
      const codes = [...(await spend(unknown, 6)), ...(await spend(own.anonymous, 5))];
      expect(codes).toEqual([...Array(6).fill("UNAUTHENTICATED"), ...Array(4).fill("OK"), "RATE_LIMITED"]);
      // A known key is counted apart from the address.
      expect((await own.admin.data(ViewerDocument)).viewer?.kind).toBe("ADMIN");
    } finally {
      await own.close();
    }
  });
});

describe("in production (NODE_ENV=production)", () => {
  let prod: TestOffergate;
  beforeAll(async () => {
    prod = await startTestOffergate({ NODE_ENV: "production", INTERNAL_SECRET: randomBytes(32).toString("base64url") });
  });
  afterAll(() => prod?.close());

  it("introspection is off by default", async () => {
    const response = await prod.anonymous.post({ query: "{ __schema { types { name } } }" });
    expect(response.data?.__schema ?? null).toBeNull();
    expect(errorCodes(response).length).toBeGreaterThan(0);
    expect(new Set(errorCodes(response))).toEqual(new Set(["BAD_USER_INPUT"]));
    expect(await prod.anonymous.data(ViewerDocument)).toEqual({ viewer: null });
  });

  it("field suggestions are off: no error message maps the schema", async () => {
    const cases = [
      { query: "{ sellerz { totalCount } }" },
      { query: "{ sellers { totalCont } }" },
      { query: "query ($s: OfferStatus) { offers(filter: { status: $s }) { totalCount } }", variables: { s: "ACTIV" } },
      { query: "{ offers(filter: { status: ACTIV }) { totalCount } }" },
    ];
    for (const body of cases) {
      const response = await prod.anonymous.post(body);
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      const messages = response.errors!.map((e: { message: string }) => e.message).join(" ");
      expect(messages).not.toMatch(/Did you mean|sellers"|totalCount"|"ACTIVE"/);
    }
  });
});

describe("over the WebSocket", () => {
  it("the query limits hold for subscriptions too, and a message over MAX_BODY_BYTES closes the socket (1009, not logged as an error)", async () => {
    const { createClient } = await import("graphql-ws");
    const { default: WebSocket } = await import("ws");
    const market = await createMarketplace(og.admin);
    const run = (query: string) =>
      new Promise<{ codes: unknown[]; closed?: number }>((resolve) => {
        const codes: unknown[] = [];
        const client = createClient({
          url: og.url.replace(/^http/, "ws"),
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          connectionParams: { authorization: `Bearer ${market.apiKey}` },
          on: { closed: (event) => resolve({ codes, closed: (event as { code: number }).code }) },
        });
        client.subscribe(
          { query, variables: { m: market.marketplace.id } },
          {
            next: (r) => void codes.push(...(r.errors ?? []).map((e) => e.extensions?.code)),
            error: (e) => {
              if (Array.isArray(e)) codes.push(...e.map((x: { extensions?: { code?: string } }) => x.extensions?.code));
              void client.dispose();
              resolve({ codes });
            },
            complete: () => {
              void client.dispose();
              resolve({ codes });
            },
          },
        );
      });
    const deep = `subscription ($m: ID!) { offerFeed(marketplaceId: $m) { offer { forwards { forwards { forwards { forwards { forwards { id } } } } } } } }`;
    expect((await run(deep)).codes).toEqual(["QUERY_TOO_COMPLEX"]);
    const huge = `subscription ($m: ID!) { offerFeed(marketplaceId: $m) { cursor } } # ${"x".repeat(30_000)}`;
    // The client's fault: closed with 1009 by ws, and not logged as an internal error with a stack.
    const consoleError = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect((await run(huge)).closed).toBe(1009);
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
    }
  });
});
