/**
 * Feed fan-out: N graphql-ws subscribers of `offerFeed` through
 * the gateway, spread evenly over 100 marketplaces, in client processes of
 * their own. One seller lists one offer at each marketplace; each round one
 * setStock changes the seller's quantity, so every marketplace's feed gets
 * one UPDATED event and every subscriber one message. Latency: from sending
 * the mutation to each subscriber's receipt (CLOCK_MONOTONIC across
 * processes). The floors (bench/feed-floor.ts): bare `ws` servers sending
 * the same bytes to as many sockets from the same client processes, timed
 * from the command to broadcast: the protocol floor to graphql-ws clients
 * like the gateway's (the goal is taken on it), the raw floor one sample
 * message to plain sockets. One round of each floor before each gateway
 * round, after BENCH_FEED_WARMUP (default 3) uncounted rounds of all: the
 * first rounds after the sockets open run slower on every side (the raw
 * floor's p99 for 1,000 sockets read 30 to 45 ms with them, 15 to 20 ms
 * without). Each round's p50 and max are printed. Memory per subscriber:
 * the serving processes' RSS growth over N.
 */
import { fork, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { gql, maxOf, quantile } from "./lib/client";
import { startDatabase, type Database } from "./lib/db";
import { cpuMs, rssBytes, runScript, script, stopAll } from "./lib/proc";
import { columns, fixed, provenance, publish, table, type Report } from "./lib/report";
import { SECRETS, startPart, startTarget, targetEnv } from "./lib/targets";
import { Admin } from "./lib/world";

/**
 * Counted rounds. The p99 of N × 1,000 arrivals is the tail of the worst
 * rounds: with 5 rounds, identical code read 2.3× to 4.2× the protocol
 * floor from run to run; 20 make it a tail of several rounds, on both
 * sides.
 */
const ROUNDS = Number(process.env.BENCH_FEED_ROUNDS ?? 20);
const WARMUP = Number(process.env.BENCH_FEED_WARMUP ?? 3);
/**
 * Node options of the serving processes: BENCH_PROFILE=1 runs them under
 * --cpu-prof (profiles/, summarised by bench/profile.ts); BENCH_NODE_ARGS
 * adds its own (`--trace-opt --trace-deopt`, say, with BENCH_CHILD_LOG to
 * keep what they print: bench/lib/proc.ts).
 */
const profileArgs = [
  ...(process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.cwd()}/profiles`] : []),
  ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
];
const MARKETS = 100;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Clients {
  procs: ChildProcess[];
  ask(i: number, m: unknown, reply: string): Promise<any>;
  close(): Promise<void>;
}

function startClients(count: number): Clients {
  const procs = Array.from({ length: count }, () => fork(script("bench/feed-client.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  const ask = (i: number, m: unknown, reply: string) =>
    new Promise<any>((resolve, reject) => {
      const p = procs[i]!;
      const on = (msg: any) => {
        if (msg.kind === reply || msg.kind === "error") {
          p.off("message", on);
          if (msg.kind === "error") reject(new Error(msg.message));
          else resolve(msg);
        }
      };
      p.on("message", on);
      p.send(m as never);
    });
  return {
    procs,
    ask,
    close: async () => {
      await Promise.all(procs.map((p) => new Promise<void>((resolve) => (p.exitCode !== null ? resolve() : (p.once("exit", () => resolve()), p.kill())))));
    },
  };
}

/**
 * Collects arrivals until `expected` messages came, or nothing more came for
 * 5 s after the first (a subscription that lost its upstream never
 * delivers), or the timeout; returns their times.
 */
async function arrivals(clients: Clients, expected: number, timeoutMs = 120_000): Promise<{ times: number[]; sample?: string; ended: number }> {
  const times: number[] = [];
  let sample: string | undefined;
  let ended = 0;
  const started = Date.now();
  let lastGrowth = Date.now();
  while (times.length < expected && Date.now() - started < timeoutMs && !(times.length > 0 && Date.now() - lastGrowth > 5_000)) {
    await sleep(100);
    const before = times.length;
    ended = 0;
    for (let i = 0; i < clients.procs.length; i++) {
      const r = await clients.ask(i, { kind: "collect" }, "arrivals");
      times.push(...(r.arrivals as number[]));
      sample ??= r.sample;
      ended += r.ended ?? 0;
    }
    if (times.length > before) lastGrowth = Date.now();
  }
  return { times, sample, ended };
}

/** How many descriptors (sockets, mostly) a process holds open. */
function openDescriptors(pid: number): number | string {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return "?";
  }
}

/** The subscription gauges a serving process reports on /metrics. */
async function subscriptionCounts(url: string): Promise<string> {
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text();
    return text
      .split("\n")
      .filter((l) => /^offergate_(feed_subscribers|gateway_subscriptions|gateway_subscriptions_interrupted_total|ws_connections)/.test(l))
      .join("; ");
  } catch (error) {
    return `unreadable (${String(error)})`;
  }
}

interface FeedResult {
  subscribers: number;
  topology: string;
  opened: number;
  failed: number;
  gateway: { p50: number; p99: number; max: number; delivered: number; expected: number };
  /** From the mutation's response (its writes done) to each arrival: the fan-out alone. */
  fanOut: { p50: number; p99: number };
  /** The raw floor: one sample message to plain sockets. */
  floor: { p50: number; p99: number; max: number; delivered: number };
  /** The protocol floor: each graphql-ws subscriber its own `next` message. */
  protocolFloor: { p50: number; p99: number; max: number; delivered: number };
  /** Each counted round's p99 over the p99 of the protocol floor's round just before it, sorted. */
  pairedRatios: number[];
  memoryPerSubscriber: number;
  floorMemoryPerSocket: number;
  mutationMs: number;
  sampleBytes: number;
  /** CPU per counted round (all rounds, the floors' included, over their number): each serving process's, and the protocol floor's. */
  cpuPerRound: { serving: number[]; protocolFloor: number };
}

async function fanOut(db: Database, n: number, topology: "embedded" | "separate"): Promise<FeedResult> {
  const env = targetEnv(db, { FEED_SWEEP_INTERVAL_MS: "3600000" });
  // The processes that serve subscribers: one embedded process, or (separate) the
  // exchange and two gateway replicas, since one process may hold only 20,000
  // sockets here and each subscriber costs two at a gateway and one at the exchange.
  const serving: { pid: number }[] = [];
  const urls: string[] = [];
  /** Where each serving process's /metrics is, to tell, when events go missing, where the subscriptions stopped. */
  const metricsAt: { name: string; url: string }[] = [];
  if (topology === "embedded") {
    const og = await startTarget("offergate", "offergate", env, [], profileArgs);
    serving.push({ pid: og.pids.gateway! });
    urls.push(og.url);
    metricsAt.push({ name: "offergate", url: og.url.replace(/\/graphql$/, "/metrics") });
  } else {
    const accounts = await startPart("accounts", "accounts/server", { ...env, ACCOUNTS_PORT: "0" });
    const catalog = await startPart("catalog", "catalog/server", { ...env, CATALOG_PORT: "0" });
    const parts = { ACCOUNTS_URL: accounts.url, CATALOG_URL: catalog.url };
    const exchange = await startPart("exchange", "exchange/server", { ...env, ...parts, EXCHANGE_PORT: "0" }, profileArgs);
    serving.push({ pid: exchange.child.pid });
    for (let g = 0; g < 2; g++) {
      const gw = await startPart(`gateway ${g}`, "gateway/server", { ...env, ...parts, EXCHANGE_URL: exchange.url }, profileArgs);
      serving.push({ pid: gw.child.pid });
      urls.push(gw.url);
      metricsAt.push({ name: `gateway ${g}`, url: gw.url.replace(/\/graphql$/, "/metrics") });
    }
  }
  const admin = new Admin(urls[0]!, SECRETS.ADMIN_API_KEY);
  const markets = (await admin.marketplaces(MARKETS)).map((m) => m.id);
  const [seller] = (await admin.sellers(1)).map((s) => s.id);
  const [product] = await admin.products(1);
  await admin.affiliate(markets.map((m) => [seller!, m] as [string, string]));
  await admin.stock([[seller!, product!, 5]]);
  await admin.submit(markets.map((m) => [seller!, m, product!] as [string, string, string]));
  let quantity = 5;
  const change = () => gql(urls[0]!, "mutation($i: SetStockInput!) { setStock(input: $i) { version } }", { i: { ownerId: seller, productId: product, quantity: ++quantity } }, SECRETS.ADMIN_API_KEY);

  const processes = Math.max(2, Math.ceil(n / 2500));
  const clients = startClients(processes);
  const rssBefore = serving.reduce((a, s) => a + rssBytes(s.pid), 0);
  let opened = 0;
  let failed = 0;
  const per = Math.ceil(n / processes);
  /** The marketplaces of client process i's subscribers: its share of the n, spread over the marketplaces in turn. */
  const marketsOf = (i: number) => Array.from({ length: Math.max(0, Math.min(per, n - i * per)) }, (_, k) => markets[(i * per + k) % MARKETS]!);
  const ready = await Promise.all(
    clients.procs.map((_, i) => clients.ask(i, { kind: "graphql", url: urls[i % urls.length], apiKey: SECRETS.ADMIN_API_KEY, marketplaces: marketsOf(i) }, "ready")),
  );
  for (const r of ready) {
    opened += r.opened;
    failed += r.failed;
  }
  process.stdout.write(`${n} subscribers (${topology}): ${opened} connected\n`);
  // Warm-up: every subscription is live once each has its first event.
  await sleep(1000);
  await change();
  const warm = await arrivals(clients, opened, 60_000);
  const rssAfter = serving.reduce((a, s) => a + rssBytes(s.pid), 0);

  // The floors: bare `ws` servers, the same number of sockets from the same client processes; their
  // rounds alternate with the gateway's, so that all meet the machine in the same state. The raw floor
  // sends one sample message as it is to plain sockets; the protocol floor sends each graphql-ws
  // subscriber of its own the `next` message the gateway would (its own id around the same payload),
  // so that its clients do per message what the gateway's do.
  const startFloor = async () => {
    const child = fork(script("bench/feed-floor.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const port = await new Promise<number>((resolve) => child.once("message", (m: any) => resolve(m.port)));
    const broadcast = (m: { data?: string; payload?: string }) =>
      new Promise<void>((resolve) => {
        child.once("message", () => resolve());
        child.send({ kind: "broadcast", ...m });
      });
    return { child, port, broadcast };
  };
  const bytes = warm.sample ?? "{}";
  const payload = JSON.stringify((JSON.parse(bytes) as { payload?: unknown }).payload ?? {});
  const raw = await startFloor();
  const floorBefore = rssBytes(raw.child.pid);
  await Promise.all(clients.procs.map((_, i) => clients.ask(i, { kind: "raw", url: `ws://127.0.0.1:${raw.port}`, count: marketsOf(i).length }, "ready")));
  await raw.broadcast({ data: bytes });
  await arrivals(clients, n, 30_000);
  const floorAfter = rssBytes(raw.child.pid);
  const protocol = await startFloor();
  const protocolReady = await Promise.all(
    clients.procs.map((_, i) => clients.ask(i, { kind: "graphql", url: `http://127.0.0.1:${protocol.port}/graphql`, apiKey: "-", marketplaces: marketsOf(i) }, "ready")),
  );
  const protocolOpened = protocolReady.reduce((a, r) => a + r.opened, 0);
  await protocol.broadcast({ payload });
  await arrivals(clients, protocolOpened, 30_000);
  const floorLatencies: number[] = [];
  const protocolLatencies: number[] = [];
  /** One floor round: from the command to broadcast to each arrival. */
  const floorRound = async (floor: typeof raw, m: { data?: string; payload?: string }, expected: number) => {
    await sleep(300);
    const f0 = now();
    void floor.broadcast(m);
    return (await arrivals(clients, expected, 30_000)).times.map((t) => t - f0);
  };

  const latencies: number[] = [];
  const afterResponse: number[] = [];
  /** CPU so far of each serving process, then of the protocol floor. */
  const cpuNow = () => [...serving.map((s) => cpuMs(s.pid)), cpuMs(protocol.child.pid)];
  let cpuAtStart: number[] = [];
  const mutationMs: number[] = [];
  const pairedRatios: number[] = [];
  let expected = 0;
  // Rounds below 0 warm all up (the code paths each round takes, the sockets' buffers) and are not counted.
  for (let r = -WARMUP; r < ROUNDS; r++) {
    const name = r < 0 ? `warm-up round ${r + WARMUP + 1}` : `round ${r + 1}`;
    if (r === 0) cpuAtStart = cpuNow();
    const rawRound = await floorRound(raw, { data: bytes }, n);
    const protocolRound = await floorRound(protocol, { payload }, protocolOpened);
    await sleep(300);
    const t0 = now();
    await change();
    const answered = now();
    const got = await arrivals(clients, opened, 60_000);
    if (got.ended > 0 || got.times.length < opened) {
      process.stdout.write(`${name}: ${got.times.length}/${opened} delivered, ${got.ended} subscriptions ended without an error\n`);
      // The exchange's live subscribers are on the embedded process's /metrics, or (separate) not served: the gateways' counts tell.
      for (const m of metricsAt) process.stdout.write(`  ${m.name}: ${await subscriptionCounts(m.url)}\n`);
      for (const p of serving) process.stdout.write(`  pid ${p.pid}: ${openDescriptors(p.pid)} open descriptors\n`);
    }
    const round = got.times.map((t) => t - t0);
    process.stdout.write(
      `${name}: p50 ${fixed(quantile(round, 0.5), 0)} ms, max ${fixed(maxOf(round), 0)} ms; ` +
        `protocol floor p50 ${fixed(quantile(protocolRound, 0.5), 1)} ms, max ${fixed(maxOf(protocolRound), 1)} ms; ` +
        `raw floor p50 ${fixed(quantile(rawRound, 0.5), 1)} ms, max ${fixed(maxOf(rawRound), 1)} ms\n`,
    );
    if (r < 0) continue;
    floorLatencies.push(...rawRound);
    protocolLatencies.push(...protocolRound);
    pairedRatios.push(quantile(round, 0.99) / quantile(protocolRound, 0.99));
    mutationMs.push(answered - t0);
    expected += opened;
    latencies.push(...round);
    afterResponse.push(...got.times.map((t) => t - answered));
  }
  await sleep(300); // the last round's work after its deliveries (outboxes marked)
  const cpuUsed = cpuNow().map((c, i) => (c - cpuAtStart[i]!) / ROUNDS);
  process.stdout.write(`CPU per round: serving ${cpuUsed.slice(0, -1).map((c) => fixed(c, 0)).join(" + ")} ms, protocol floor ${fixed(cpuUsed.at(-1)!, 0)} ms\n`);
  for (let i = 0; i < clients.procs.length; i++) await clients.ask(i, { kind: "close" }, "closed");
  raw.child.kill();
  protocol.child.kill();
  await clients.close();
  process.stdout.write(`gateway: ${latencies.length}/${expected} delivered, p50 ${fixed(quantile(latencies, 0.5), 0)} ms, p99 ${fixed(quantile(latencies, 0.99), 0)} ms\n`);
  process.stdout.write(`protocol floor: p50 ${fixed(quantile(protocolLatencies, 0.5), 1)} ms, p99 ${fixed(quantile(protocolLatencies, 0.99), 1)} ms\n`);
  process.stdout.write(`raw floor: p50 ${fixed(quantile(floorLatencies, 0.5), 1)} ms, p99 ${fixed(quantile(floorLatencies, 0.99), 1)} ms\n`);
  await stopAll();
  return {
    subscribers: n,
    topology,
    opened,
    failed,
    gateway: {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: maxOf(latencies),
      delivered: latencies.length,
      expected,
    },
    fanOut: { p50: quantile(afterResponse, 0.5), p99: quantile(afterResponse, 0.99) },
    floor: { p50: quantile(floorLatencies, 0.5), p99: quantile(floorLatencies, 0.99), max: maxOf(floorLatencies), delivered: floorLatencies.length },
    protocolFloor: { p50: quantile(protocolLatencies, 0.5), p99: quantile(protocolLatencies, 0.99), max: maxOf(protocolLatencies), delivered: protocolLatencies.length },
    pairedRatios: pairedRatios.sort((a, b) => a - b),
    memoryPerSubscriber: (rssAfter - rssBefore) / Math.max(1, opened),
    floorMemoryPerSocket: (floorAfter - floorBefore) / n,
    mutationMs: mutationMs.sort((a, b) => a - b)[Math.floor(mutationMs.length / 2)]!,
    sampleBytes: Buffer.byteLength(bytes),
    cpuPerRound: { serving: cpuUsed.slice(0, -1), protocolFloor: cpuUsed.at(-1)! },
  };
}

export async function runFeed(): Promise<FeedResult[]> {
  const results: FeedResult[] = [];
  // Sizes and where they run: BENCH_FEED_SIZES (default 1000,10000), BENCH_FEED_TOPOLOGY (embedded, separate or both; default embedded).
  const sizes = (process.env.BENCH_FEED_SIZES ?? "1000,10000").split(",").map(Number);
  const topology = process.env.BENCH_FEED_TOPOLOGY ?? "embedded";
  const topologies = (topology === "both" ? ["embedded", "separate"] : [topology]) as ("embedded" | "separate")[];
  for (const n of sizes) {
    for (const t of topologies) {
      const db = await startDatabase();
      try {
        results.push(await fanOut(db, n, t));
      } finally {
        await stopAll();
      }
    }
  }
  return results;
}

export function feedReport(results: FeedResult[], command: string): Report {
  const headers = [
    "subscribers",
    "serving processes",
    "connected",
    "delivered",
    "from the mutation p50 / p99 ms",
    "max ms",
    "setStock response ms",
    "from its response p50 / p99 ms",
    "protocol floor p50 / p99 ms",
    "p99 / protocol floor p99",
    "goal ≤ 3×",
    "round by round: median (range)",
    "raw floor p50 / p99 ms",
    "p99 / raw floor p99",
    "memory per subscriber",
    "raw floor memory per socket",
    "CPU per round ms: serving / protocol floor",
  ];
  const rows = results.map((r) => {
    const ratio = r.gateway.p99 / r.protocolFloor.p99;
    return [
      r.subscribers,
      r.topology === "embedded" ? "embedded (1)" : "exchange + 2 gateways",
      r.opened,
      `${r.gateway.delivered} / ${r.gateway.expected}`,
      `${fixed(r.gateway.p50, 0)} / ${fixed(r.gateway.p99, 0)}`,
      fixed(r.gateway.max, 0),
      fixed(r.mutationMs, 0),
      `${fixed(r.fanOut.p50, 0)} / ${fixed(r.fanOut.p99, 0)}`,
      `${fixed(r.protocolFloor.p50, 1)} / ${fixed(r.protocolFloor.p99, 1)}`,
      `${fixed(ratio, 1)}×`,
      ratio <= 3 ? "met" : "**missed**",
      `${fixed(quantile(r.pairedRatios, 0.5), 1)}× (${fixed(r.pairedRatios[0] ?? NaN, 1)}–${fixed(r.pairedRatios.at(-1) ?? NaN, 1)})`,
      `${fixed(r.floor.p50, 1)} / ${fixed(r.floor.p99, 1)}`,
      `${fixed(r.gateway.p99 / r.floor.p99, 1)}×`,
      `${fixed(r.memoryPerSubscriber / 1024, 0)} KiB`,
      `${fixed(r.floorMemoryPerSocket / 1024, 1)} KiB`,
      `${r.cpuPerRound.serving.map((c) => fixed(c, 0)).join(" + ")} / ${fixed(r.cpuPerRound.protocolFloor, 0)}`,
    ];
  });
  const summary = `## Feed fan-out

${provenance(command)}

One \`setStock\` puts an event in ${MARKETS} marketplaces' feeds; latency from the mutation to each subscriber's message, against a bare WebSocket server sending the same bytes (the protocol floor).

${columns(headers, rows, ["subscribers", "serving processes", "from the mutation p50 / p99 ms", "p99 / protocol floor p99", "goal ≤ 3×"])}`;
  const notes = `## Feed fan-out

${provenance(command)}

N graphql-ws subscribers of \`offerFeed\` through the gateway (admin key,
\`after: null\`), spread evenly over ${MARKETS} marketplaces, held by client processes
of their own (2,500 each at most). Each round, one \`setStock\` changes the
quantity of a seller who lists one offer at each of the ${MARKETS} marketplaces: one
UPDATED event per feed, one message per subscriber. Latency is from sending
the mutation to each message's arrival, over ${ROUNDS} rounds after ${WARMUP}
warm-up rounds of each (gateway and floor) that are not counted; the goal is
on that. Also shown, from the mutation's response: the exchange hands the
events to its subscribers as soon as they are in the log, and answers the
mutation after marking its offers' outboxes, so most events arrive before
the response (negative figures). The floors are bare \`ws\` servers, timed from
the command to broadcast, with as many sockets from the same client
processes; their rounds alternate with the gateway's (all sockets open
throughout). The **protocol floor**, on which the goal is taken, speaks just
enough graphql-ws to be subscribed to, and sends each subscription the
bytes the gateway sends it (its own id around the same payload, about
${results[0]?.sampleBytes ?? "?"} bytes), so that its clients, graphql-ws clients like the
gateway's, parse and dispatch each message as they do. The **raw floor** sends
one such message as it is to plain sockets whose clients only note its
arrival (the floor of earlier runs, shown for comparison). Memory: RSS growth
of the serving processes over the subscribers. CPU per round: user and
system time of the serving processes (the exchange's, then each gateway's,
on separate processes) and of the protocol floor over the counted rounds,
divided by their number (each is idle while the other's rounds run).
"Round by round": each
counted round's p99 over the p99 of the protocol floor's round just before
it, median and range, a reading of the same ratio that one slow round on
either side moves less (the goal stays on the p99s of all rounds).

Both sizes run on the embedded mode, one process, as \`npm start\` runs
it: the gateway reaches the exchange by direct calls, so each subscriber
holds one socket there. The subscribers of one marketplace ask the same
live query with the same (admin) key, so the gateway shares one
subscription at the exchange among them (docs/dev/feed-internals.md). With
\`BENCH_FEED_TOPOLOGY=both\` (or \`separate\`) each size also runs on separate
processes: the exchange, and two gateway replicas taking half the
subscribers each, reaching the exchange over WebSockets.
\`BENCH_FEED_SHARED=0\` names every subscription apart, so that none is
shared. "Delivered" below "expected" would mean subscriptions that never
delivered; a subscription that ends without an error is reported by the
script.

${table(headers, rows)}`;
  return { summary, notes };
}

if (require.main === module) runScript(async () => publish("feed", feedReport(await runFeed(), "npm run bench:feed")));
