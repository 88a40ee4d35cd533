import { randomBytes } from "node:crypto";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { OfferImportDocument } from "../generated/graphql";
import { createMarketplace, createSeller, productInput } from "../fixtures";
import { readWholeFeed } from "../helpers/feed-client";
import { GraphQLClient } from "../helpers/graphql-client";
import { postImport, waitForImport } from "../helpers/imports";
import { freePort, runNode, type RunningProcess } from "../helpers/processes";

/**
 * The gateway and the subgraphs as separate processes on one external
 * database: the exchange is killed (SIGKILL) in the middle of an import and
 * started again; the import resumes and finishes, each line applied once.
 */
let mongo: EmbeddedMongo;
const processes: RunningProcess[] = [];
const admin = `og_admin_${randomBytes(18).toString("base64url")}`;
let common: Record<string, string>;
let exchangePort: number;
let origin: string;
let url: string;

const startExchange = async () => {
  // A short lease, so that the restarted process takes the import over soon; small chunks, to kill it between them.
  const p = runNode("exchange/server.js", {
    ...common,
    EXCHANGE_PORT: String(exchangePort),
    IMPORT_LEASE_MS: "1500",
    IMPORT_POLL_MS: "200",
    IMPORT_CHUNK_LINES: "50",
  });
  processes.push(p);
  await p.waitFor(/listening on/);
  return p;
};

beforeAll(async () => {
  mongo = await startJongodb();
  const [accounts, catalog, exchange, port] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  exchangePort = exchange;
  common = {
    MONGODB_URI: mongo.uri,
    INTERNAL_SECRET: randomBytes(32).toString("base64url"),
    ADMIN_API_KEY: admin,
    LOG_LEVEL: "error",
    HOST: "127.0.0.1",
    ACCOUNTS_URL: `http://127.0.0.1:${accounts}/graphql`,
    CATALOG_URL: `http://127.0.0.1:${catalog}/graphql`,
    EXCHANGE_URL: `http://127.0.0.1:${exchange}/graphql`,
  };
  const parts = [
    runNode("accounts/server.js", { ...common, ACCOUNTS_PORT: String(accounts) }),
    runNode("catalog/server.js", { ...common, CATALOG_PORT: String(catalog) }),
  ];
  processes.push(...parts);
  await Promise.all([...parts.map((p) => p.waitFor(/listening on/)), startExchange()]);
  const gw = runNode("gateway/server.js", { ...common, PORT: String(port) });
  processes.push(gw);
  const [, listening] = (await gw.waitFor(/listening on (\S+)/)) as unknown as [string, string];
  url = listening.replace("0.0.0.0", "127.0.0.1");
  origin = new URL(url).origin;
}, 60_000);

afterAll(async () => {
  for (const p of processes) await p.stop("SIGKILL");
  await mongo?.stop();
});

it("resumes an import after the exchange is killed mid-way, each line applied once", async () => {
  const gateway = new GraphQLClient(url, admin);
  const seller = await createSeller(gateway);
  const market = await createMarketplace(gateway);
  const [sellerId, marketplaceId] = [seller.seller.id, market.marketplace.id];
  await gateway.post({ query: `mutation { affiliateSeller(sellerId: "${sellerId}", marketplaceId: "${marketplaceId}") { createdAt } }` });
  // 400 products, 50 to a request.
  const gtins: string[] = [];
  for (let batch = 0; batch < 8; batch++) {
    const inputs = Array.from({ length: 50 }, () => productInput());
    const r = await gateway.post({ query: `mutation { ${inputs.map((p, i) => `p${i}: createProduct(input: { gtin: "${p.gtin}", name: "${p.name}" }) { id }`).join(" ")} }` });
    expect(r.errors).toBeUndefined();
    gtins.push(...inputs.map((p) => p.gtin));
  }
  const csv = `gtin,price,currency,quantity\n${gtins.map((g, i) => `${g},${1000 + i},BRL,${1 + (i % 9)}`).join("\n")}\n`;
  const posted = await postImport(origin, seller.apiKey, { marketplaceId }, csv);
  expect(posted.status).toBe(202);

  // Kill the exchange once some chunks are counted, well before the end.
  const deadline = Date.now() + 60_000;
  let seen = 0;
  while (seen < 100) {
    const r = await seller.client.data(OfferImportDocument, { id: posted.body.id });
    seen = r.offerImport!.processed;
    if (Date.now() > deadline) throw new Error("the import did not start");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const exchange = processes.find((p) => p.child.spawnargs.some((a) => a.endsWith("exchange/server.js")) && p.child.signalCode === null)!;
  await exchange.stop("SIGKILL");
  const frozen = await new GraphQLClient(url, admin).post({ query: `{ offerImport(id: "${posted.body.id}") { processed } }` });
  // With the exchange down the gateway cannot answer; the count read just before the kill was mid-way.
  expect(seen).toBeLessThan(400);
  expect(frozen.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");

  await startExchange();
  const done = await waitForImport(seller.client, posted.body.id, 240_000);
  expect(done).toMatchObject({ status: "DONE", total: 400, processed: 400, succeeded: 400, failed: 0 });

  // Each line once in effect: one offer per line at its price, and one ELIGIBLE event each in the feed.
  const offers = await gateway.post({ query: `{ offers(filter: { sellerId: "${sellerId}", available: true }) { totalCount } }` });
  expect(offers.data.offers.totalCount).toBe(400);
  const feed = await readWholeFeed(market.client, marketplaceId);
  expect(feed).toHaveLength(400);
  expect(new Set(feed.map((e) => e.offerId)).size).toBe(400);
  expect(feed.every((e) => e.type === "ELIGIBLE")).toBe(true);
  expect(feed.map((e) => e.price).sort((a, b) => a - b)).toEqual(gtins.map((_, i) => 1000 + i));
}, 300_000);
