import { randomBytes } from "node:crypto";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { composeFromSubgraphs } from "../../src/gateway/supergraph";
import { createMarketplace, createProduct, createSeller } from "../fixtures";
import { GraphQLClient } from "../helpers/graphql-client";
import { freePort, runNode, type RunningProcess } from "../helpers/processes";

/**
 * The standalone gateway knows the subgraphs only by their SDL: composed from
 * what they serve (SUBGRAPH_URLS), or read from a supergraph file that it
 * watches and swaps while requests are in flight.
 */
let mongo: EmbeddedMongo;
const processes: RunningProcess[] = [];
const admin = `og_admin_${randomBytes(18).toString("base64url")}`;
const secret = randomBytes(32).toString("base64url");
let urls: Record<"accounts" | "catalog" | "exchange", string>;
const dir = mkdtempSync(join(tmpdir(), "offergate-supergraph-"));

/** Starts a gateway alone with only these variables (no ACCOUNTS_URL and the like) and returns its client. */
async function startGateway(env: Record<string, string>): Promise<GraphQLClient> {
  const gw = runNode("gateway/server.js", { INTERNAL_SECRET: secret, LOG_LEVEL: "warn", HOST: "127.0.0.1", PORT: String(await freePort()), ...env });
  processes.push(gw);
  const [, url] = (await gw.waitFor(/offergate gateway listening on (\S+)/, 30_000)) as unknown as [string, string];
  return new GraphQLClient(url, admin);
}

beforeAll(async () => {
  mongo = await startJongodb();
  const [accounts, catalog, exchange] = await Promise.all([freePort(), freePort(), freePort()]);
  urls = {
    accounts: `http://127.0.0.1:${accounts}/graphql`,
    catalog: `http://127.0.0.1:${catalog}/graphql`,
    exchange: `http://127.0.0.1:${exchange}/graphql`,
  };
  const common = {
    MONGODB_URI: mongo.uri,
    INTERNAL_SECRET: secret,
    ADMIN_API_KEY: admin,
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    ACCOUNTS_URL: urls.accounts,
    CATALOG_URL: urls.catalog,
  };
  const parts: [string, Record<string, string>][] = [
    ["accounts/server.js", { ACCOUNTS_PORT: String(accounts) }],
    ["catalog/server.js", { CATALOG_PORT: String(catalog) }],
    ["exchange/server.js", { EXCHANGE_PORT: String(exchange) }],
  ];
  for (const [script, env] of parts) processes.push(runNode(script, { ...common, ...env }));
  await Promise.all(processes.map((p) => p.waitFor(/listening on/, 30_000)));
}, 90_000);

afterAll(async () => {
  for (const p of processes) await p.stop("SIGKILL");
  await mongo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a gateway composing from SUBGRAPH_URLS", () => {
  it("serves a request that spans the three subgraphs, and is ready", async () => {
    const gateway = await startGateway({ SUBGRAPH_URLS: `accounts=${urls.accounts},catalog=${urls.catalog},exchange=${urls.exchange}` });
    const seller = await createSeller(gateway);
    const market = await createMarketplace(gateway);
    const product = await createProduct(gateway);
    await gateway.post({ query: `mutation { affiliateSeller(sellerId: "${seller.seller.id}", marketplaceId: "${market.marketplace.id}") { createdAt } }` });
    await gateway.post({ query: `mutation { setStock(input: { ownerId: "${seller.seller.id}", productId: "${product.id}", quantity: 2 }) { version } }` });
    const r = await seller.client.post({
      query: `mutation { submitOffer(input: { sellerId: "${seller.seller.id}", marketplaceId: "${market.marketplace.id}", productId: "${product.id}", price: 10, currency: "BRL" }) { available quantity product { name } seller { name } marketplace { name } } }`,
    });
    expect(r.errors).toBeUndefined();
    expect(r.data.submitOffer).toEqual({
      available: true,
      quantity: 2,
      product: { name: product.name },
      seller: { name: seller.seller.name },
      marketplace: { name: market.marketplace.name },
    });
    expect((await fetch(new URL("/ready", gateway.url), { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
  }, 60_000);

  it("refuses to start when a subgraph does not answer, naming it", async () => {
    const down = `http://127.0.0.1:${await freePort()}/graphql`;
    const gw = runNode("gateway/server.js", {
      INTERNAL_SECRET: secret,
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      SUBGRAPH_URLS: `accounts=${urls.accounts},catalog=${down}`,
    });
    processes.push(gw);
    expect(await gw.exit()).toBe(1);
    expect(gw.output()).toContain(down);
  }, 30_000);
});

describe("a gateway over a supergraph file", () => {
  it("takes each new version of the file while requests are in flight, dropping none", async () => {
    const partial = await composeFromSubgraphs({ accounts: urls.accounts, catalog: urls.catalog }, secret);
    const full = await composeFromSubgraphs(urls, secret);
    const path = join(dir, "supergraph.graphql");
    writeFileSync(path, partial);
    const gateway = await startGateway({ SUPERGRAPH_PATH: path });
    const product = await createProduct(gateway);
    // Served by the exchange: there only once the file names it.
    const exchangeServes = async () => (await gateway.post({ query: "{ offers(first: 1) { totalCount } }" })).errors === undefined;
    const waitFor = async (want: boolean) => {
      const deadline = Date.now() + 30_000;
      while ((await exchangeServes()) !== want) {
        if (Date.now() > deadline) throw new Error(`the exchange still ${want ? "absent" : "present"} after 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    expect(await exchangeServes()).toBe(false);

    // Requests valid under either file, without pause, from 4 clients at once.
    const failures: unknown[] = [];
    let served = 0;
    let stop = false;
    const client = async () => {
      while (!stop) {
        const r = await gateway.post({ query: `{ viewer { kind } product(id: "${product.id}") { name } }` }).catch((error: unknown) => ({ status: 0, errors: [String(error)] }) as never);
        if (r.status === 200 && !r.errors && r.data?.product?.name === product.name && r.data.viewer?.kind === "ADMIN") served++;
        else failures.push(r);
      }
    };
    const load = Promise.all([client(), client(), client(), client()]);

    // Written in place, then replaced by a rename (as editors and mounted config maps do), twice over.
    writeFileSync(path, full);
    await waitFor(true);
    const servedAfterFirst = served;
    writeFileSync(`${path}.next`, partial);
    renameSync(`${path}.next`, path);
    await waitFor(false);
    writeFileSync(`${path}.next`, full);
    renameSync(`${path}.next`, path);
    await waitFor(true);
    // A file that is no supergraph is refused; the current one keeps serving.
    writeFileSync(path, "this is not GraphQL {");
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await exchangeServes()).toBe(true);
    stop = true;
    await load;

    expect(failures).toEqual([]);
    expect(servedAfterFirst).toBeGreaterThan(0);
    expect(served).toBeGreaterThan(servedAfterFirst);
  }, 120_000);
});
