/**
 * How long an event takes from the mutation that causes it to a subscriber
 * of the feed, through the gateway:
 *
 * - one process (writer and subscriber on the same service);
 * - two replicas on one database and one Redis (write on B, subscribe on A);
 * - two replicas on one database without Redis: A learns of B's events only
 *   by reading the log every FEED_POLL_MS;
 * - fan-out: many subscribers of one marketplace on one process, until the
 *   last of them has each event, and the log reads it cost.
 *
 * Every service is its own `node dist/main.js` process, on a jongodb this
 * script owns, so that the measuring process shares no event loop with them.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node dist/bench/bench/feed-latency.js
 *
 * Options (environment): EVENTS (default 40), SUBSCRIBERS (default 100),
 * REDIS_URL (default redis://127.0.0.1:6379).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { startJongodb, type EmbeddedMongo } from "../src/shared/embedded-mongo";

const EVENTS = Number(process.env.EVENTS ?? 40);
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 100);
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const MAIN = join(__dirname, "..", "..", "main.js");
const ADMIN = `og_admin_bench_${randomBytes(18).toString("base64url")}`;
const SECRET = randomBytes(32).toString("base64url");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Service {
  url: string;
  origin: string;
  child: ChildProcess;
}

async function startService(env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? "", ADMIN_API_KEY: ADMIN, INTERNAL_SECRET: SECRET, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "error", FEED_PARTITIONS: "16", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /offergate listening on (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`service exited (${code}): ${out}`)));
  });
  return { url, origin: new URL(url).origin, child };
}

async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, key = ADMIN): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors ?? body));
  return body.data;
}

/** A marketplace with one listed offer of one seller; returns how to change the offer's price. */
async function world(url: string) {
  const tag = randomBytes(4).toString("hex");
  const { createMarketplace: m } = await gql(url, `mutation($n: String!) { createMarketplace(input: { name: $n }) { apiKey marketplace { id } } }`, { n: `M ${tag}` });
  const { createSeller: s } = await gql(url, `mutation($n: String!) { createSeller(input: { name: $n }) { seller { id } } }`, { n: `S ${tag}` });
  const gtin = gtin13(randomBytes(6).readUIntBE(0, 6) % 1e12);
  const { createProduct: p } = await gql(url, `mutation($g: String!, $n: String!) { createProduct(input: { gtin: $g, name: $n }) { id } }`, { g: gtin, n: `P ${tag}` });
  const ids = { marketplaceId: m.marketplace.id as string, sellerId: s.seller.id as string, productId: p.id as string };
  await gql(url, `mutation($s: ID!, $m: ID!) { affiliateSeller(sellerId: $s, marketplaceId: $m) { createdAt } }`, { s: ids.sellerId, m: ids.marketplaceId });
  await gql(url, `mutation($i: SetStockInput!) { setStock(input: $i) { quantity } }`, { i: { ownerId: ids.sellerId, productId: ids.productId, quantity: 5 } });
  let price = 0;
  /** Changes the offer's price (one UPDATED event); returns the price at once, and the write's promise. */
  const submit = (at: string) => {
    const p = ++price;
    return { price: p, written: gql(at, `mutation($i: SubmitOfferInput!) { submitOffer(input: $i) { id } }`, { i: { ...ids, price: p, currency: "BRL" } }) };
  };
  await submit(url).written;
  return { ...ids, apiKey: m.apiKey as string, submit };
}

function gtin13(n: number): string {
  const body = `4${String(n).padStart(11, "0")}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

/** A live subscriber (after: null) of one marketplace's feed. */
function subscriber(url: string, apiKey: string, marketplaceId: string, onEvent: (event: { cursor: string; price: number }) => void) {
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${apiKey}` },
  });
  client.subscribe<{ offerFeed: { cursor: string; price: number } }>(
    { query: "subscription($m: ID!) { offerFeed(marketplaceId: $m, after: null) { cursor price } }", variables: { m: marketplaceId } },
    { next: (r) => r.data && onEvent(r.data.offerFeed), error: (e) => console.error("subscription error", e), complete: () => undefined },
  );
  return client;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
function summary(name: string, samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { scenario: name, events: s.length, p50: percentile(s, 50), p95: percentile(s, 95), max: s.at(-1)!, mean: Math.round(mean) };
}

/**
 * Writes EVENTS events on `writer` at a steady pace (one every 100-200 ms,
 * open loop: never waiting for an event to arrive, so that writes do not fall
 * in step with a poll), and measures each one's latency at `reader`'s
 * subscriber: from sending the mutation to receiving the event with its price.
 */
async function latency(name: string, writer: Service, reader: Service): Promise<ReturnType<typeof summary>> {
  const w = await world(writer.url);
  const sentAt = new Map<number, number>();
  const samples: number[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const client = subscriber(reader.url, w.apiKey, w.marketplaceId, (event) => {
    const at = sentAt.get(event.price);
    if (at === undefined) return;
    samples.push(Math.round(performance.now() - at));
    if (samples.length === EVENTS) done();
  });
  await sleep(500); // the subscription is open (there is no ack)
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const { price, written } = w.submit(writer.url);
    sentAt.set(price, performance.now());
    writes.push(written);
    await sleep(100 + Math.random() * 100);
  }
  await Promise.all(writes);
  await all;
  await client.dispose();
  return summary(name, samples);
}

async function metric(origin: string, name: string): Promise<number> {
  const body = await (await fetch(`${origin}/metrics`)).text();
  const match = new RegExp(`^${name.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(body);
  return Number(match?.[1] ?? 0);
}

/** SUBSCRIBERS subscribers of one marketplace: per event, the time until the last one has it, and the log reads. */
async function fanOut(service: Service) {
  const w = await world(service.url);
  const counts = new Map<string, number>();
  let waiting: { cursor?: string; resolve: () => void } | null = null;
  const clients = Array.from({ length: SUBSCRIBERS }, () =>
    subscriber(service.url, w.apiKey, w.marketplaceId, ({ cursor }) => {
      const n = (counts.get(cursor) ?? 0) + 1;
      counts.set(cursor, n);
      if (n === SUBSCRIBERS && waiting) waiting.resolve();
    }),
  );
  await sleep(1_500);
  const readsBefore = await metric(service.origin, 'offergate_feed_log_reads_total{reader="hub"}');
  const catchUpBefore = await metric(service.origin, 'offergate_feed_log_reads_total{reader="catch_up"}');
  const samples: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const all = new Promise<void>((resolve) => (waiting = { resolve }));
    const started = performance.now();
    await w.submit(service.url).written;
    await all;
    samples.push(Math.round(performance.now() - started));
    await sleep(20);
  }
  const hubReads = (await metric(service.origin, 'offergate_feed_log_reads_total{reader="hub"}')) - readsBefore;
  const catchUpReads = (await metric(service.origin, 'offergate_feed_log_reads_total{reader="catch_up"}')) - catchUpBefore;
  await Promise.all(clients.map((c) => c.dispose()));
  return { ...summary(`fan-out to ${SUBSCRIBERS} subscribers (until the last has it)`, samples), hubReadsPerEvent: hubReads / EVENTS, catchUpReads };
}

async function main() {
  const services: Service[] = [];
  const mongos: EmbeddedMongo[] = [];
  const fresh = async () => {
    const m = await startJongodb();
    mongos.push(m);
    return m.uri;
  };
  const start = async (env: Record<string, string>) => {
    const s = await startService(env);
    services.push(s);
    return s;
  };
  const results: Record<string, unknown>[] = [];
  try {
    const single = await start({ MONGODB_URI: await fresh() });
    results.push(await latency("one process", single, single));
    results.push(await fanOut(single));

    const withRedisDb = await fresh();
    const [ra, rb] = await Promise.all([start({ MONGODB_URI: withRedisDb, REDIS_URL }), start({ MONGODB_URI: withRedisDb, REDIS_URL })]);
    results.push(await latency("two replicas, Redis", rb, ra));

    const noRedisDb = await fresh();
    const [la, lb] = await Promise.all([start({ MONGODB_URI: noRedisDb }), start({ MONGODB_URI: noRedisDb })]);
    results.push(await latency("two replicas, no Redis (FEED_POLL_MS=2000)", lb, la));
  } finally {
    for (const s of services) s.child.kill("SIGKILL");
    for (const m of mongos) await m.stop();
  }
  console.log(`feed latency, ms (${EVENTS} events each; node ${process.version}; mutation sent → event received through the gateway)`);
  console.table(results);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
