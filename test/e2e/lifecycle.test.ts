import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { createMarketplace } from "../fixtures";
import { GraphQLClient } from "../helpers/graphql-client";
import { rawSocket, sseSubscribe, until } from "../helpers/live";
import { metric } from "../helpers/feed-client";
import { freePort, runNode, type RunningProcess } from "../helpers/processes";

/**
 * The process's life, as an operator meets it: `npm start` (dist/main.js) and
 * the gateway on its own, started on a busy port, stopped with SIGTERM while
 * clients hold subscriptions, killed with SIGKILL, and started for production
 * without a database. Real processes, real signals, real sockets.
 */
const ADMIN_API_KEY = "og_admin_lifecycle_test_key_0123456789";
const INTERNAL_SECRET = "lifecycle-test-internal-secret-0123456789";
const base = { HOST: "127.0.0.1", LOG_LEVEL: "warn", ADMIN_API_KEY, FEED_SWEEP_INTERVAL_MS: "3600000" };

const running: RunningProcess[] = [];
const start = (script: string, env: Record<string, string>) => {
  const p = runNode(script, env);
  running.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop("SIGKILL")));
});

/** A live process's state letter (R, S, Z...), or undefined once it is gone. A zombie is dead, waiting for its reaper. */
function processState(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}
const alive = (pid: number) => {
  const state = processState(pid);
  return state !== undefined && state !== "Z";
};

/** The embedded database the service started: its one jongodb child. */
function jongodbChildOf(pid: number): number {
  const lines = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(pid)], { encoding: "utf8" }).trim().split("\n");
  const jongodb = lines.map((l) => l.trim().split(/\s+/)).filter(([, comm]) => comm === "jongodb");
  expect(jongodb).toHaveLength(1);
  return Number(jongodb[0]![0]);
}

async function startService(env: Record<string, string> = {}) {
  const p = start("main.js", { ...base, PORT: "0", ...env });
  const [, url] = await p.waitFor(/offergate listening on (\S+)/, 60_000);
  return { p, url: url!, origin: new URL(url!).origin, jongodb: jongodbChildOf(p.child.pid!) };
}

describe("a busy port", () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it.each([
    ["npm start", "main.js", {}],
    [
      "the gateway on its own",
      "gateway/server.js",
      { INTERNAL_SECRET, ACCOUNTS_URL: "http://127.0.0.1:1/graphql", CATALOG_URL: "http://127.0.0.1:1/graphql", EXCHANGE_URL: "http://127.0.0.1:1/graphql" },
    ],
  ])("%s exits 1 within 10 s with a message naming the port", async (_what, script, env) => {
    const started = Date.now();
    const p = start(script, { ...base, PORT: String(port), ...env });
    expect(await p.exit()).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(p.output()).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(p.output()).not.toContain("listening on");
  });
});

it("NODE_ENV=production refuses to start without MONGODB_URI, naming the variable", async () => {
  const p = start("main.js", { ...base, PORT: "0", NODE_ENV: "production", INTERNAL_SECRET });
  expect(await p.exit()).toBe(1);
  expect(p.output()).toMatch(/MONGODB_URI: required when NODE_ENV=production/);
  expect(p.output()).not.toContain("listening on");
});

it("the embedded jongodb dies with the service, even on SIGKILL", async () => {
  const { p, jongodb } = await startService();
  expect(alive(jongodb)).toBe(true);
  expect(await p.stop("SIGKILL")).toBeNull();
  await until(() => alive(jongodb), (a) => !a, 5_000, `jongodb ${jongodb} to die with its parent`);
});

it("SIGTERM ends every subscription cleanly (SSE `complete`, WebSocket 1001) and exits 0 within 10 s, leaving no child", async () => {
  const { p, url, origin, jongodb } = await startService({ LOG_LEVEL: "info" });
  const admin = new GraphQLClient(url).as(ADMIN_API_KEY);
  const market = await createMarketplace(admin);
  const m = market.marketplace.id;
  const feed = "subscription($m: ID!) { offerFeed(marketplaceId: $m, after: \"\") { cursor } }";
  const ws = rawSocket(url, `Bearer ${market.apiKey}`);
  await ws.acked;
  ws.subscribe("1", feed, { m });
  const sse = await sseSubscribe(url, feed, { m }, `Bearer ${market.apiKey}`);
  expect(sse.status).toBe(200);
  await until(() => metric(origin, "offergate_feed_subscribers"), (n) => n === 2, 10_000, "both subscriptions at the exchange");

  const signalled = Date.now();
  p.child.kill("SIGTERM");
  expect(await p.exit()).toBe(0);
  process.stdout.write(`[lifecycle] exited ${Date.now() - signalled} ms after SIGTERM, holding an SSE and a WebSocket subscription\n`);
  expect(Date.now() - signalled).toBeLessThan(10_000);
  await sse.ended;
  expect(sse.events).toEqual([{ event: "complete", data: null }]);
  expect(await ws.closed).toEqual({ code: 1001, reason: "Server shutting down" });
  expect(ws.of("1").filter((x) => x.type === "error")).toEqual([]);
  expect(p.output()).toContain('"message":"shutting down"');
  // It stopped its database on the way out.
  await until(() => alive(jongodb), (a) => !a, 5_000, `jongodb ${jongodb} to stop`);
});
