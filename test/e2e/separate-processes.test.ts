import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { networkInterfaces } from "node:os";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { ViewerDocument } from "../generated/graphql";
import { createMarketplace, createProduct, createSeller } from "../fixtures";
import { GraphQLClient } from "../helpers/graphql-client";
import { freePort, runNode, type RunningProcess } from "../helpers/processes";

/**
 * The parts as separate processes, each started by its documented command
 * (`node dist/<part>/server.js`), against one database: a request through the
 * gateway reaches every subgraph, and SIGTERM stops each one cleanly.
 */
let mongo: EmbeddedMongo;
const processes: RunningProcess[] = [];
let gateway: GraphQLClient;
const admin = `og_admin_${randomBytes(18).toString("base64url")}`;
let common: Record<string, string>;

beforeAll(async () => {
  mongo = await startJongodb();
  const [accounts, catalog, exchange, port] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  common = {
    MONGODB_URI: mongo.uri,
    INTERNAL_SECRET: randomBytes(32).toString("base64url"),
    ADMIN_API_KEY: admin,
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    ACCOUNTS_URL: `http://127.0.0.1:${accounts}/graphql`,
    CATALOG_URL: `http://127.0.0.1:${catalog}/graphql`,
    EXCHANGE_URL: `http://127.0.0.1:${exchange}/graphql`,
  };
  const parts: [string, Record<string, string>][] = [
    ["accounts/server.js", { ACCOUNTS_PORT: String(accounts) }],
    ["catalog/server.js", { CATALOG_PORT: String(catalog) }],
    ["exchange/server.js", { EXCHANGE_PORT: String(exchange) }],
  ];
  for (const [script, env] of parts) processes.push(runNode(script, { ...common, ...env }));
  await Promise.all(processes.map((p) => p.waitFor(/listening on/)));
  const gw = runNode("gateway/server.js", { ...common, PORT: String(port) });
  processes.push(gw);
  const [, url] = (await gw.waitFor(/offergate gateway listening on (\S+)/)) as unknown as [string, string];
  gateway = new GraphQLClient(url.replace("0.0.0.0", "127.0.0.1"), admin);
}, 60_000);

afterAll(async () => {
  for (const p of processes) await p.stop("SIGKILL");
  await mongo?.stop();
});

describe("separate processes", () => {
  it("serve a federated request and an exchange mutation through the gateway", async () => {
    expect((await gateway.data(ViewerDocument)).viewer).toEqual({ kind: "ADMIN", id: null });
    const seller = await createSeller(gateway);
    const market = await createMarketplace(gateway);
    const product = await createProduct(gateway);
    await gateway.post({ query: `mutation { affiliateSeller(sellerId: "${seller.seller.id}", marketplaceId: "${market.marketplace.id}") { createdAt } }` });
    await gateway.post({ query: `mutation { setStock(input: { ownerId: "${seller.seller.id}", productId: "${product.id}", quantity: 3 }) { version } }` });
    const r = await seller.client.post({
      query: `mutation { submitOffer(input: { sellerId: "${seller.seller.id}", marketplaceId: "${market.marketplace.id}", productId: "${product.id}", price: 10, currency: "BRL" }) { available quantity product { name } seller { name } marketplace { name } } }`,
    });
    expect(r.errors).toBeUndefined();
    expect(r.data.submitOffer).toEqual({
      available: true,
      quantity: 3,
      product: { name: product.name },
      seller: { name: seller.seller.name },
      marketplace: { name: market.marketplace.name },
    });
    const ready = await fetch(new URL("/ready", gateway.url), { signal: AbortSignal.timeout(5_000) });
    expect(ready.status).toBe(200);
  });

  it("each subgraph refuses a request that does not come from the gateway, anonymous reads included", async () => {
    for (const url of [common.ACCOUNTS_URL, common.CATALOG_URL, common.EXCHANGE_URL]) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
        signal: AbortSignal.timeout(10_000),
      });
      expect({ url, status: response.status }).toEqual({ url, status: 401 });
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("UNAUTHENTICATED");
    }
  });

  it("a subgraph started without HOST listens on loopback only", async () => {
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
    const port = await freePort();
    const catalog = runNode("catalog/server.js", { ...common, HOST: "", CATALOG_PORT: String(port) });
    try {
      await catalog.waitFor(/listening on/);
      const reach = (host: string) =>
        fetch(`http://${host}:${port}/health`, { signal: AbortSignal.timeout(5_000) }).then(
          (r) => r.status,
          () => "unreachable",
        );
      expect(await reach("127.0.0.1")).toBe(200);
      if (outside) expect(await reach(outside)).toBe("unreachable");
    } finally {
      await catalog.stop("SIGKILL");
    }
  });

  it("each part exits 0 on SIGTERM", async () => {
    const codes = [];
    for (const p of [...processes].reverse()) codes.push(await p.stop("SIGTERM"));
    expect(codes).toEqual([0, 0, 0, 0]);
  });
});

/** The embedded database servers `pid` started (its jongodb children; counting the machine's would count other runs'). */
const jongodbChildren = (pid: number): number[] =>
  execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(pid)], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === "jongodb")
    .map(([child]) => Number(child));

/** Whether a process runs (a zombie has ended, and waits only for its reaper). */
const running = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("the embedded default (npm start)", () => {
  it("starts with nothing set, prints where it listens and the generated admin key, and stops its database on SIGTERM", async () => {
    const main = runNode("main.js", { PORT: String(await freePort()), LOG_LEVEL: "warn" });
    const [, url] = (await main.waitFor(/offergate listening on (\S+)/)) as unknown as [string, string];
    const [, key] = (await main.waitFor(/generated ADMIN_API_KEY=(\S+)/)) as unknown as [string, string];
    const databases = jongodbChildren(main.child.pid!);
    expect(databases).toHaveLength(1);
    const viewer = await new GraphQLClient(url, key).data(ViewerDocument);
    expect(viewer.viewer).toEqual({ kind: "ADMIN", id: null });
    expect(await main.stop("SIGTERM")).toBe(0);
    expect(running(databases[0]!)).toBe(false);
  });

  it("refuses to start in production without an admin key, naming the variable", async () => {
    const main = runNode("main.js", { NODE_ENV: "production", INTERNAL_SECRET: "x".repeat(40) });
    expect(await main.exit()).toBe(1);
    expect(main.output()).toContain("ADMIN_API_KEY");
  });
});
