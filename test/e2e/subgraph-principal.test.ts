import { randomBytes } from "node:crypto";
import { print } from "graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import {
  AdjustStockDocument,
  CloseRouteDocument,
  ConfigureMarketplaceDocument,
  CreateMarketplaceDocument,
  CreateProductDocument,
  CreateSellerDocument,
  FeedSubscriptionDocument,
  ForwardOfferDocument,
  OfferEventsDocument,
  OpenRouteDocument,
  ProductsDocument,
  ReviewOfferDocument,
  RotateApiKeyDocument,
  SellersDocument,
  SetStockDocument,
  StockLevelDocument,
  SubmitOfferDocument,
  WithdrawOfferDocument,
} from "../generated/graphql";
import { marketplaceInput, productInput, sellerInput } from "../fixtures";
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from "../../src/shared/principal";
import { buildWorld } from "../helpers/exchange";
import { errorCodes } from "../helpers/graphql-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * The subgraphs behind the gateway trust only a principal the gateway signed
 * with INTERNAL_SECRET, anonymous callers included. Called directly, each
 * refuses a request without one, or with a forged, tampered or stale one,
 * outright (401, whatever the operation, public reads included) and changes
 * nothing. The gateway reaches them over HTTP here, as separate processes do.
 */
const secret = randomBytes(32).toString("base64url");
const ADMIN: Principal = { kind: "ADMIN", id: null };
let og: TestOffergate;
let world: Awaited<ReturnType<typeof buildWorld>>;
beforeAll(async () => {
  og = await startTestOffergate({ INTERNAL_SECRET: secret }, { subgraphTransport: "http" });
  world = await buildWorld(og.admin, 2);
  await world.affiliate(world.ids[0]!);
  await world.setStock(world.sellerId, 3);
});
afterAll(() => og?.close());

const url = (subgraph: "accounts" | "catalog" | "exchange") => og.app.subgraphs[subgraph]!.url;

async function call(subgraph: "accounts" | "catalog" | "exchange", body: unknown, header?: string) {
  const response = await fetch(url(subgraph), {
    method: "POST",
    headers: { "content-type": "application/json", ...(header === undefined ? {} : { [PRINCIPAL_HEADER]: header }) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

const encode = (json: unknown) => Buffer.from(JSON.stringify(json)).toString("base64url");
const times = () => ({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 });

/** A principal signed as the gateway would, then altered: the payload re-encoded to claim ADMIN, the old signature kept. */
const tampered = async () => {
  const [head, , signature] = (await signPrincipal({ kind: "SELLER", id: world.sellerId }, secret)).split(".");
  return `${head}.${encode({ kind: "ADMIN", ...times() })}.${signature}`;
};

const FORGED: [string, () => string | Promise<string>][] = [
  ["signed with another secret", () => signPrincipal(ADMIN, randomBytes(32).toString("base64url"))],
  ["tampered after signing", tampered],
  ["expired", () => signPrincipal(ADMIN, secret, Date.now() - 10 * 60_000)],
  ["from the future", () => signPrincipal(ADMIN, secret, Date.now() + 10 * 60_000)],
  ["not a principal at all", () => "admin"],
  ["with an unsigned payload only", () => encode({ kind: "ADMIN", ...times() })],
  ["unsigned (alg none)", () => `${encode({ alg: "none", typ: "JWT" })}.${encode({ kind: "ADMIN", ...times() })}.`],
];

const w = () => world;
const PRIVATE: [string, "accounts" | "catalog" | "exchange", () => { query: string; variables: Record<string, unknown> }][] = [
  ["createSeller", "accounts", () => ({ query: print(CreateSellerDocument), variables: { input: sellerInput() } })],
  ["createMarketplace", "accounts", () => ({ query: print(CreateMarketplaceDocument), variables: { input: marketplaceInput() } })],
  ["rotateApiKey", "accounts", () => ({ query: print(RotateApiKeyDocument), variables: { accountId: w().sellerId } })],
  ["_authenticate (internal)", "accounts", () => ({ query: "query ($k: String!) { _authenticate(apiKey: $k) { kind id } }", variables: { k: og.adminApiKey } })],
  ["createProduct", "catalog", () => ({ query: print(CreateProductDocument), variables: { input: productInput() } })],
  ["configureMarketplace", "exchange", () => ({ query: print(ConfigureMarketplaceDocument), variables: { input: { marketplaceId: w().ids[0], autoApprove: false } } })],
  ["affiliateSeller", "exchange", () => ({ query: "mutation ($s: ID!, $m: ID!) { affiliateSeller(sellerId: $s, marketplaceId: $m) { createdAt } }", variables: { s: w().sellerId, m: w().ids[1] } })],
  ["openRoute", "exchange", () => ({ query: print(OpenRouteDocument), variables: { input: { fromMarketplaceId: w().ids[0], toMarketplaceId: w().ids[1] } } })],
  ["closeRoute", "exchange", () => ({ query: print(CloseRouteDocument), variables: { from: w().ids[0], to: w().ids[1] } })],
  ["setStock", "exchange", () => ({ query: print(SetStockDocument), variables: { input: { ownerId: w().sellerId, productId: w().productId, quantity: 99 } } })],
  ["adjustStock", "exchange", () => ({ query: print(AdjustStockDocument), variables: { input: { ownerId: w().sellerId, productId: w().productId, delta: 1 } } })],
  ["submitOffer", "exchange", () => ({ query: print(SubmitOfferDocument), variables: { input: { sellerId: w().sellerId, marketplaceId: w().ids[0], productId: w().productId, price: 1, currency: "BRL" } } })],
  ["withdrawOffer", "exchange", () => ({ query: print(WithdrawOfferDocument), variables: { offerId: "off_000000000000000000000000" } })],
  ["reviewOffer", "exchange", () => ({ query: print(ReviewOfferDocument), variables: { offerId: "off_000000000000000000000000", decision: "APPROVE" } })],
  ["forwardOffer", "exchange", () => ({ query: print(ForwardOfferDocument), variables: { offerId: "off_000000000000000000000000", to: w().ids[1] } })],
  ["stockLevel", "exchange", () => ({ query: print(StockLevelDocument).replace(/product \{[^}]*\}/, ""), variables: { ownerId: w().sellerId, productId: w().productId } })],
  ["offerEvents", "exchange", () => ({ query: print(OfferEventsDocument).replace(/offer \{[^}]*\}/, ""), variables: { marketplaceId: w().ids[0] } })],
];

/** What a private operation could change, read through the gateway as the admin. */
async function snapshot() {
  const [sellers, products, stock, events] = await Promise.all([
    og.admin.data(SellersDocument, { first: 0 }),
    og.admin.data(ProductsDocument, { first: 0 }),
    og.admin.data(StockLevelDocument, { ownerId: world.sellerId, productId: world.productId }),
    og.admin.data(OfferEventsDocument, { marketplaceId: world.ids[0]!, first: 1000 }),
  ]);
  return { sellers: sellers.sellers.totalCount, products: products.products.totalCount, stock: stock.stockLevel, events: events.offerEvents.edges.length };
}

describe("a subgraph called directly", () => {
  it("accepts the principal the gateway would sign (the control for every refusal below)", async () => {
    const response = await call("catalog", { query: print(CreateProductDocument), variables: { input: productInput() } }, await signPrincipal(ADMIN, secret));
    expect(response.errors).toBeUndefined();
    expect(response.data.createProduct.id).toMatch(/^prd_/);
  });

  it.each(PRIVATE)("%s (%s) without a principal is refused with 401 and changes nothing", async (_, subgraph, body) => {
    const before = await snapshot();
    const response = await call(subgraph, body());
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(response.data ?? null).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it.each(PRIVATE)("%s (%s) as the signed anonymous caller is UNAUTHENTICATED and changes nothing", async (_, subgraph, body) => {
    const before = await snapshot();
    const response = await call(subgraph, body(), await signPrincipal(null, secret));
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(Object.values(response.data ?? {}).every((v) => v === null)).toBe(true);
    expect(await snapshot()).toEqual(before);
  });

  const forgedRows = PRIVATE.flatMap(([name, subgraph, body]) => FORGED.map(([how, header]) => [name, how, subgraph, body, header] as const));
  it.each(forgedRows)("%s with a principal %s is refused with 401 and changes nothing", async (_, _how, subgraph, body, header) => {
    const before = await snapshot();
    const response = await call(subgraph, body(), await header());
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(response.data ?? null).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["accounts", "{ sellers(first: 1) { totalCount } marketplaces(first: 1) { totalCount } viewer { kind } }"],
    ["catalog", "{ products(first: 1) { totalCount } }"],
    ["exchange", "{ offers(first: 1) { totalCount } }"],
  ] as const)("the public reads of %s work for the signed anonymous caller, and are refused unsigned or forged", async (subgraph, query) => {
    const signed = await call(subgraph, { query }, await signPrincipal(null, secret));
    expect(signed.errors).toBeUndefined();
    for (const header of [undefined, ...(await Promise.all(FORGED.map(([, forge]) => forge())))]) {
      const refused = await call(subgraph, { query }, header);
      expect({ header, status: refused.status, codes: errorCodes(refused), data: refused.data ?? null }).toEqual({ header, status: 401, codes: ["UNAUTHENTICATED"], data: null });
    }
  });

  it("anonymous reads through the gateway reach every subgraph, signed", async () => {
    const response = await og.anonymous.post({
      query: "{ sellers(first: 1) { totalCount } products(first: 1) { totalCount } offers(first: 1) { totalCount } viewer { kind } }",
    });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      sellers: { totalCount: expect.any(Number) },
      products: { totalCount: expect.any(Number) },
      offers: { totalCount: expect.any(Number) },
      viewer: null,
    });
    expect(response.data.sellers.totalCount).toBeGreaterThan(0);
    expect(response.data.products.totalCount).toBeGreaterThan(0);
  });

  it("a GET to a subgraph without a principal is refused too", async () => {
    const response = await fetch(`${url("catalog")}?query=${encodeURIComponent("{ products(first: 1) { totalCount } }")}`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(401);
  });

  it("a principal header a client sends to the gateway is not passed on: the client stays anonymous", async () => {
    const before = await snapshot();
    const response = await og.anonymous.post({ query: print(CreateProductDocument), variables: { input: productInput() } }, { [PRINCIPAL_HEADER]: await signPrincipal(ADMIN, secret) });
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(await snapshot()).toEqual(before);
  });
});

describe("the exchange's WebSocket called directly", () => {
  const feed = (connectionParams: Record<string, unknown>) =>
    new Promise<{ codes: unknown[]; events: number }>((resolve) => {
      const client = createClient({ url: url("exchange").replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
      const codes: unknown[] = [];
      let events = 0;
      const done = () => {
        void client.dispose();
        resolve({ codes, events });
      };
      const timer = setTimeout(done, 5_000);
      client.subscribe(
        { query: print(FeedSubscriptionDocument).replace(/offer \{[^}]*\}/, ""), variables: { marketplaceId: world.ids[0], after: "" } },
        {
          next: (r) => {
            if (r.data) events++;
            for (const e of r.errors ?? []) codes.push(e.extensions?.code);
            if (events > 0) {
              clearTimeout(timer);
              done();
            }
          },
          error: (e) => {
            if (Array.isArray(e)) for (const x of e) codes.push((x as { extensions?: { code?: string } }).extensions?.code);
            else codes.push("SOCKET_ERROR");
            clearTimeout(timer);
            done();
          },
          complete: () => {
            clearTimeout(timer);
            done();
          },
        },
      );
    });

  beforeAll(async () => {
    await world.submit(world.ids[0]!);
  });

  it("with the gateway's signature, offerFeed streams", async () => {
    const result = await feed({ [PRINCIPAL_HEADER]: await signPrincipal(ADMIN, secret) });
    expect(result).toEqual({ codes: [], events: 1 });
  });

  it("without a principal, offerFeed is UNAUTHENTICATED", async () => {
    expect(await feed({})).toEqual({ codes: ["UNAUTHENTICATED"], events: 0 });
  });

  it.each(FORGED)("with a principal %s, offerFeed is refused", async (_, header) => {
    const result = await feed({ [PRINCIPAL_HEADER]: await header() });
    expect(result.events).toBe(0);
    expect(result.codes).toEqual(["UNAUTHENTICATED"]);
  });
});
