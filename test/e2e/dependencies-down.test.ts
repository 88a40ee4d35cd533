import { randomBytes } from "node:crypto";
import { print } from "graphql";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { PRINCIPAL_HEADER, signPrincipal } from "../../src/shared/principal";
import {
  CreateProductDocument,
  ForwardOfferDocument,
  OffersDocument,
  SellersDocument,
  StockLevelDocument,
  SubmitOfferDocument,
  ViewerDocument,
} from "../generated/graphql";
import { createMarketplace, createProduct, createSeller, productInput } from "../fixtures";
import { buildWorld } from "../helpers/exchange";
import { GraphQLClient, errorCodes } from "../helpers/graphql-client";
import { freePort, runNode, type RunningProcess } from "../helpers/processes";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy";

/**
 * Failing dependencies, with every part as its own process (as in
 * production): a subgraph stopped and started again on its port, the
 * database cut off behind a TCP proxy and restored, and the database server
 * itself stopped and started again. Requests fail closed with
 * SERVICE_UNAVAILABLE while a dependency is down, queries keep what the
 * others can give, and the service recovers by itself.
 */
jest.setTimeout(120_000);

const secret = randomBytes(32).toString("base64url");
const adminKey = `og_admin_${randomBytes(18).toString("base64url")}`;
let mongo: EmbeddedMongo;
let mongoPort: number;
let proxy: TcpProxy;
const ports: Record<"accounts" | "catalog" | "exchange" | "gateway", number> = { accounts: 0, catalog: 0, exchange: 0, gateway: 0 };
const procs: Partial<Record<keyof typeof ports, RunningProcess>> = {};
let admin: GraphQLClient;
let origin: string;

const subgraphUrl = (name: "accounts" | "catalog" | "exchange") => `http://127.0.0.1:${ports[name]}/graphql`;
const env = () => ({
  MONGODB_URI: `mongodb://127.0.0.1:${proxy.port}/offergate`,
  INTERNAL_SECRET: secret,
  ADMIN_API_KEY: adminKey,
  LOG_LEVEL: "error",
  HOST: "127.0.0.1",
  ACCOUNTS_URL: subgraphUrl("accounts"),
  CATALOG_URL: subgraphUrl("catalog"),
  EXCHANGE_URL: subgraphUrl("exchange"),
  ACCOUNTS_PORT: String(ports.accounts),
  CATALOG_PORT: String(ports.catalog),
  EXCHANGE_PORT: String(ports.exchange),
  PORT: String(ports.gateway),
});

async function start(name: "accounts" | "catalog" | "exchange"): Promise<void> {
  const p = runNode(`${name}/server.js`, env());
  procs[name] = p;
  await p.waitFor(/listening on/);
}

async function stop(name: keyof typeof ports): Promise<void> {
  await procs[name]?.stop("SIGKILL");
  delete procs[name];
}

const ready = async () => (await fetch(`${origin}/ready`, { signal: AbortSignal.timeout(10_000) })).status;

/** Polls until `check` holds (the service recovering by itself), failing after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error("did not recover in time");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A request straight to the exchange as the gateway would send it for the admin (so no gateway cache is involved). */
async function exchangeAsAdmin(query: string, variables: Record<string, unknown>) {
  const response = await fetch(subgraphUrl("exchange"), {
    method: "POST",
    headers: { "content-type": "application/json", [PRINCIPAL_HEADER]: await signPrincipal({ kind: "ADMIN", id: null }, secret) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(20_000),
  });
  return (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

beforeAll(async () => {
  mongoPort = await freePort();
  mongo = await startJongodb(mongoPort);
  proxy = await startTcpProxy(mongoPort);
  for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
  await Promise.all([start("accounts"), start("catalog"), start("exchange")]);
  procs.gateway = runNode("gateway/server.js", env());
  await procs.gateway.waitFor(/listening on/);
  origin = `http://127.0.0.1:${ports.gateway}`;
  admin = new GraphQLClient(`${origin}/graphql`, adminKey);
}, 120_000);

afterAll(async () => {
  for (const name of Object.keys(procs) as (keyof typeof ports)[]) await stop(name);
  await proxy?.close();
  await mongo?.stop();
});

describe("a subgraph down", () => {
  it("catalog down: a query gets what accounts and the exchange can give, SERVICE_UNAVAILABLE for the rest; back up on its port, all is served again", async () => {
    const w = await buildWorld(admin, 1);
    await w.affiliate(w.ids[0]!);
    await w.setStock(w.sellerId, 4);
    const offer = await w.submit(w.ids[0]!);
    const query = `{ seller(id: "${w.sellerId}") { name } product(id: "${w.productId}") { name } offer(id: "${offer.id}") { price quantity seller { name } } }`;
    const healthy = await admin.post({ query });
    expect(healthy.errors).toBeUndefined();

    await stop("catalog");
    const partial = await admin.post({ query });

    expect(partial.status).toBeLessThan(500);
    expect(partial.data).toEqual({
      seller: { name: w.seller.seller.name },
      product: null,
      offer: { price: offer.price, quantity: 4, seller: { name: w.seller.seller.name } },
    });
    expect(errorCodes(partial)).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(partial.errors![0]!.path).toEqual(["product"]);
    // No internals: not the subgraph's address, nor a stack.
    expect(JSON.stringify(partial.errors)).not.toMatch(new RegExp(`${ports.catalog}|ECONNREFUSED|stack|at .*\\.js`));
    const write = await admin.execute(CreateProductDocument, { input: productInput() });
    expect(errorCodes(write)).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(await ready()).toBe(503);

    await start("catalog");
    await eventually(async () => (await admin.post({ query })).errors === undefined);
    expect(await ready()).toBe(200);
    expect((await admin.execute(CreateProductDocument, { input: productInput() })).errors).toBeUndefined();
  });

  it("accounts down: submitOffer and forwardOffer that need it fail closed, no offer is created and no gate opened; back up, they succeed", async () => {
    const w = await buildWorld(admin, 2);
    const [A, B] = w.ids as [string, string];
    await w.affiliate(A);
    await w.setStock(w.sellerId, 5);
    await w.setStock(A, 2);
    const offer = await w.submit(A);
    // A second seller and a route to a marketplace that the exchange has never been asked about.
    const fresh = await createSeller(admin);
    const C = (await createMarketplace(admin)).marketplace.id;
    await w.openRoute(A, B);
    const offersBefore = (await admin.data(OffersDocument, { filter: { productId: w.productId }, first: 100 })).offers.totalCount;

    await stop("accounts");
    const submit = await exchangeAsAdmin(print(SubmitOfferDocument), {
      input: { sellerId: fresh.seller.id, marketplaceId: A, productId: w.productId, price: 10, currency: "BRL" },
    });
    expect(submit.errors?.map((e) => e.extensions?.code)).toEqual(["SERVICE_UNAVAILABLE"]);
    const forward = await exchangeAsAdmin("mutation ($o: ID!, $t: ID!) { forwardOffer(offerId: $o, toMarketplaceId: $t) { id } }", { o: offer.id, t: C });
    expect(forward.errors?.map((e) => e.extensions?.code)).toEqual(["SERVICE_UNAVAILABLE"]);
    // Through the gateway, a key cannot even be checked: SERVICE_UNAVAILABLE, never anonymous.
    await eventually(async () => errorCodes(await admin.execute(ViewerDocument))[0] === "SERVICE_UNAVAILABLE", 15_000);
    expect(errorCodes(await w.seller.client.execute(SubmitOfferDocument, { input: { sellerId: w.sellerId, marketplaceId: B, productId: w.productId, price: 1, currency: "BRL" } }))).toEqual([
      "SERVICE_UNAVAILABLE",
    ]);
    expect(errorCodes(await admin.execute(ForwardOfferDocument, { offerId: offer.id, to: C }))).toEqual(["SERVICE_UNAVAILABLE"]);

    await start("accounts");
    await eventually(async () => errorCodes(await admin.execute(ViewerDocument)).length === 0);
    // Nothing was written while it was down.
    expect((await admin.data(OffersDocument, { filter: { productId: w.productId }, first: 100 })).offers.totalCount).toBe(offersBefore);
    // And now the same calls are decided by the rules: the fresh seller is not affiliated; C has no route from A.
    expect(errorCodes(await admin.execute(SubmitOfferDocument, { input: { sellerId: fresh.seller.id, marketplaceId: A, productId: w.productId, price: 10, currency: "BRL" } }))).toEqual([
      "NOT_AFFILIATED",
    ]);
    expect(errorCodes(await admin.execute(ForwardOfferDocument, { offerId: offer.id, to: C }))).toEqual(["NO_ROUTE"]);
    expect((await admin.data(ForwardOfferDocument, { offerId: offer.id, to: B })).forwardOffer.available).toBe(true);
  });
});

describe("the database down", () => {
  it("cut off (network): /ready 503 and SERVICE_UNAVAILABLE; restored, it recovers without a restart and everything written before is there", async () => {
    const seller = await createSeller(admin);
    const product = await createProduct(admin);
    await admin.data(StockLevelDocument, { ownerId: seller.seller.id, productId: product.id });
    const sellersBefore = (await admin.data(SellersDocument, { first: 0 })).sellers.totalCount;

    await proxy.cut();
    await eventually(async () => (await ready()) === 503, 15_000);
    expect((await fetch(`${origin}/health`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
    expect(errorCodes(await admin.execute(SellersDocument, { first: 0 }))).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(errorCodes(await admin.execute(CreateProductDocument, { input: productInput() }))).toEqual(["SERVICE_UNAVAILABLE"]);

    await proxy.restore();
    await eventually(async () => (await ready()) === 200);
    await eventually(async () => errorCodes(await admin.execute(SellersDocument, { first: 0 })).length === 0);
    expect((await admin.data(SellersDocument, { first: 0 })).sellers.totalCount).toBe(sellersBefore);
    expect((await admin.data(StockLevelDocument, { ownerId: seller.seller.id, productId: product.id })).stockLevel?.product.id).toBe(product.id);
    expect((await seller.client.data(ViewerDocument)).viewer?.id).toBe(seller.seller.id);
    expect((await admin.execute(CreateProductDocument, { input: productInput() })).errors).toBeUndefined();
    // Every process is the one started at the beginning: nothing was restarted.
    for (const p of Object.values(procs)) expect(p!.child.exitCode).toBeNull();
  });

  it("the database server stopped and started again on its port: /ready 503, then the service recovers by itself", async () => {
    await mongo.stop();
    await eventually(async () => (await ready()) === 503, 15_000);
    expect(errorCodes(await admin.execute(CreateProductDocument, { input: productInput() }))).toEqual(["SERVICE_UNAVAILABLE"]);

    mongo = await startJongodb(mongoPort);
    await eventually(async () => (await ready()) === 200);
    // jongodb keeps its data in memory: what was written before is gone with
    // the server (a real mongod keeps it). What this shows is the recovery:
    // the same processes serve reads and writes again.
    await eventually(async () => (await admin.execute(CreateProductDocument, { input: productInput() })).errors === undefined);
    const seller = await createSeller(admin);
    expect((await seller.client.data(ViewerDocument)).viewer?.id).toBe(seller.seller.id);
    for (const p of Object.values(procs)) expect(p!.child.exitCode).toBeNull();
  });
});
