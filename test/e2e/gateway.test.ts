import {
  CreateMarketplaceDocument,
  CreateProductDocument,
  CreateSellerDocument,
  MarketplacesDocument,
  ProductByIdDocument,
  ProductLookupDocument,
  ProductsDocument,
  SellerDocument,
  SellersDocument,
  ViewerDocument,
} from "../generated/graphql";
import { createMarketplace, createProduct, createSeller, marketplaceInput, productInput, sellerInput, uniqueGtin, withWrongCheckDigit } from "../fixtures";
import { errorCodes, type GraphQLClient } from "../helpers/graphql-client";
import { httpGet, startTestOffergate, type TestOffergate } from "../helpers/offergate";

let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate();
});
afterAll(() => og?.close());

type Page = { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: { id: string } }[]; totalCount: number };

/** Walks a connection with `first`/`after` to its end; returns the ids in the order seen. */
async function walk(fetchPage: (after: string | null) => Promise<Page>): Promise<{ ids: string[]; totals: number[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await fetchPage(after);
    ids.push(...page.edges.map((e) => e.node.id));
    totals.push(page.totalCount);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    if (!page.pageInfo.hasNextPage) return { ids, totals };
    after = page.pageInfo.endCursor;
  }
  throw new Error("pagination did not end within 100 pages");
}

describe("pagination through the gateway", () => {
  it("walking sellers, marketplaces and products with first/after visits each once, oldest first", async () => {
    const sellers = [];
    const markets = [];
    const products = [];
    for (let i = 0; i < 7; i++) {
      sellers.push((await createSeller(og.admin)).seller.id);
      markets.push((await createMarketplace(og.admin)).marketplace.id);
      products.push((await createProduct(og.admin)).id);
    }
    const cases: [string[], (after: string | null, first: number) => Promise<Page>][] = [
      [sellers, async (after, first) => (await og.anonymous.data(SellersDocument, { first, after })).sellers],
      [markets, async (after, first) => (await og.anonymous.data(MarketplacesDocument, { first, after })).marketplaces],
      [products, async (after, first) => (await og.anonymous.data(ProductsDocument, { first, after })).products],
    ];
    for (const [created, fetchPage] of cases) {
      for (const first of [1, 3, 100]) {
        const { ids, totals } = await walk((after) => fetchPage(after, first));
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(totals[0]);
        // Ours appear in the order they were created (other tests' items may be interleaved).
        expect(ids.filter((id) => created.includes(id))).toEqual(created);
      }
    }
  });

  it("first: 0 returns no edges but tells whether there are any", async () => {
    await createSeller(og.admin);
    const { sellers } = await og.anonymous.data(SellersDocument, { first: 0 });
    expect(sellers.edges).toEqual([]);
    expect(sellers.pageInfo).toEqual({ hasNextPage: true, endCursor: null });
    expect(sellers.totalCount).toBeGreaterThan(0);
  });

  it("a cursor stays valid after new items are added, and new items come at the end", async () => {
    const first = await og.anonymous.data(SellersDocument, { first: 1 });
    const created = (await createSeller(og.admin)).seller.id;
    const { ids } = await walk(async (after) => (await og.anonymous.data(SellersDocument, { first: 50, after: after ?? first.sellers.pageInfo.endCursor })).sellers);
    expect(ids.at(-1)).toBe(created);
    expect(ids).not.toContain(first.sellers.edges[0]!.node.id);
  });

  it.each([-1, 101])("first: %i is BAD_USER_INPUT", async (first) => {
    expect(errorCodes(await og.anonymous.execute(SellersDocument, { first }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await og.anonymous.execute(ProductsDocument, { first }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("viewer", () => {
  it("is the admin, the seller, the marketplace or null (anonymous)", async () => {
    const seller = await createSeller(og.admin);
    const market = await createMarketplace(og.admin);
    expect(await og.admin.data(ViewerDocument)).toEqual({ viewer: { kind: "ADMIN", id: null } });
    expect(await seller.client.data(ViewerDocument)).toEqual({ viewer: { kind: "SELLER", id: seller.seller.id } });
    expect(await market.client.data(ViewerDocument)).toEqual({ viewer: { kind: "MARKETPLACE", id: market.marketplace.id } });
    expect(await og.anonymous.data(ViewerDocument)).toEqual({ viewer: null });
  });
});

describe("authentication at the gateway", () => {
  it.each([
    ["an unknown key", "og_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["a made-up key", "hello"],
  ])("%s is UNAUTHENTICATED, never anonymous", async (_, key) => {
    const response = await og.as(key).execute(ViewerDocument);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(response.data ?? null).toBeNull();
  });

  it("a seller's key with a changed secret is UNAUTHENTICATED", async () => {
    const { apiKey } = await createSeller(og.admin);
    const tampered = apiKey.slice(0, -1) + (apiKey.endsWith("A") ? "B" : "A");
    expect(errorCodes(await og.as(tampered).execute(ViewerDocument))).toEqual(["UNAUTHENTICATED"]);
  });

  it.each(["Basic abc", "Bearer", "Bearer a b"])("the Authorization header %p is UNAUTHENTICATED", async (authorization) => {
    const response = await og.anonymous.post({ query: "{ viewer { kind } }" }, { authorization });
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("rules and their error codes through the gateway", () => {
  let seller: Awaited<ReturnType<typeof createSeller>>;
  let market: Awaited<ReturnType<typeof createMarketplace>>;
  beforeAll(async () => {
    seller = await createSeller(og.admin);
    market = await createMarketplace(og.admin);
  });

  const productTotal = async () => (await og.anonymous.data(ProductsDocument, { first: 0 })).products.totalCount;

  it("anonymous mutations are UNAUTHENTICATED and change nothing", async () => {
    const before = await productTotal();
    expect(errorCodes(await og.anonymous.execute(CreateProductDocument, { input: productInput() }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await og.anonymous.execute(CreateSellerDocument, { input: sellerInput() }))).toEqual(["UNAUTHENTICATED"]);
    expect(await productTotal()).toBe(before);
  });

  it("a seller's or a marketplace's key on admin mutations is FORBIDDEN", async () => {
    const before = await productTotal();
    for (const client of [seller.client, market.client] as GraphQLClient[]) {
      expect(errorCodes(await client.execute(CreateProductDocument, { input: productInput() }))).toEqual(["FORBIDDEN"]);
      expect(errorCodes(await client.execute(CreateSellerDocument, { input: sellerInput() }))).toEqual(["FORBIDDEN"]);
      expect(errorCodes(await client.execute(CreateMarketplaceDocument, { input: marketplaceInput() }))).toEqual(["FORBIDDEN"]);
    }
    expect(await productTotal()).toBe(before);
  });

  it("a bad GTIN or name is BAD_USER_INPUT, a duplicate GTIN ALREADY_EXISTS", async () => {
    const gtin = uniqueGtin(13);
    expect(errorCodes(await og.admin.execute(CreateProductDocument, { input: productInput({ gtin: withWrongCheckDigit(gtin) }) }))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(errorCodes(await og.admin.execute(CreateProductDocument, { input: productInput({ name: "" }) }))).toEqual(["BAD_USER_INPUT"]);
    await createProduct(og.admin, { gtin });
    const duplicate = await og.admin.execute(CreateProductDocument, { input: productInput({ gtin: `0${gtin}` }) });
    expect(errorCodes(duplicate)).toEqual(["ALREADY_EXISTS"]);
    expect(duplicate.errors![0]!.message).toMatch(/already exists/);
  });

  it("product() with both id and gtin, or neither, is BAD_USER_INPUT", async () => {
    const p = await createProduct(og.admin);
    expect(errorCodes(await og.anonymous.execute(ProductLookupDocument, { id: p.id, gtin: p.gtin }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await og.anonymous.execute(ProductLookupDocument, {}))).toEqual(["BAD_USER_INPUT"]);
  });

  it("unknown ids read as null", async () => {
    expect(await og.anonymous.data(SellerDocument, { id: "sel_000000000000000000000000" })).toEqual({ seller: null });
    expect(await og.anonymous.data(SellerDocument, { id: market.marketplace.id })).toEqual({ seller: null });
    expect(await og.anonymous.data(ProductByIdDocument, { id: "prd_000000000000000000000000" })).toEqual({ product: null });
  });

  it.each([
    ["an unknown field", { query: "{ sellers { nope } }" }],
    ["a syntax error", { query: "{ sellers { " }],
    ["a variable of the wrong type", { query: "query ($n: Int) { sellers(first: $n) { totalCount } }", variables: { n: "ten" } }],
    ["a missing required argument", { query: "{ seller { id } }" }],
  ])("%s is BAD_USER_INPUT, not a server error", async (_, body) => {
    const response = await og.anonymous.post(body);
    expect(response.status).toBeLessThan(500);
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
  });

  it("a client's errors, from a subgraph's rule or from the engine, are not logged as the server's", async () => {
    const logged = jest.spyOn(console, "error");
    try {
      expect(errorCodes(await seller.client.execute(CreateProductDocument, { input: productInput() }))).toEqual(["FORBIDDEN"]);
      expect(errorCodes(await og.anonymous.post({ query: "{ sellers { " }))).toEqual(["BAD_USER_INPUT"]);
      expect(errorCodes(await og.anonymous.post({ query: "{ sellers { nope } }" }))).toEqual(["BAD_USER_INPUT"]);
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it("internal fields are not reachable through the gateway", async () => {
    const response = await og.admin.post({ query: `{ _authenticate(apiKey: "${og.adminApiKey}") { kind } }` });
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0]?.message).toMatch(/_authenticate/);
  });
});

describe("HTTP endpoints", () => {
  it("/health is 200", async () => {
    const response = await httpGet(`${og.origin}/health`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: "ok" });
  });

  it("/ready is 200 while the database answers", async () => {
    const response = await httpGet(`${og.origin}/ready`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: "ready" });
  });

  it("/metrics serves Prometheus text that counts GraphQL requests", async () => {
    await og.anonymous.data(ViewerDocument);
    const response = await httpGet(`${og.origin}/metrics`);
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/^offergate_http_requests_total\{route="graphql",status="200"\} [1-9]\d*$/m);
    expect(response.body).toContain("# TYPE offergate_http_request_duration_seconds histogram");
  });

  it("an unknown path is 404", async () => {
    expect((await httpGet(`${og.origin}/nope`)).status).toBe(404);
  });

  it("GET /graphql runs a query, with variables and the API key", async () => {
    const seller = await createSeller(og.admin);
    expect(await og.anonymous.executeGet(SellerDocument, { id: seller.seller.id })).toMatchObject({
      status: 200,
      data: { seller: seller.seller },
    });
    expect((await seller.client.executeGet(ViewerDocument)).data).toEqual({ viewer: { kind: "SELLER", id: seller.seller.id } });
  });

  it("GET /graphql refuses a mutation and changes nothing", async () => {
    const before = (await og.anonymous.data(SellersDocument, { first: 0 })).sellers.totalCount;
    const response = await og.admin.executeGet(CreateSellerDocument, { input: sellerInput() });
    expect(response.status).toBe(405);
    expect(response.data ?? null).toBeNull();
    expect((await og.anonymous.data(SellersDocument, { first: 0 })).sellers.totalCount).toBe(before);
  });
});
