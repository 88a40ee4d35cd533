/**
 * The offer graph: one offer with its product, seller,
 * marketplace, source and two levels of forwards, each request for another
 * offer of a data set of thousands of offers in chains, at a fixed number of
 * connections, through:
 *
 * - offergate in its embedded mode (one process), as shipped: subgraphs
 *   called in-process, Rust query planner; and the same with the subgraphs
 *   called over loopback HTTP (before the in-process transport), and with
 *   the Hive runtime's JavaScript planner (why the Rust planner was chosen);
 * - the same subgraphs, in the same one process, behind @apollo/gateway and
 *   behind Hive Gateway's default setup;
 * - one monolithic @apollo/server with the same resolvers (the floor);
 * - the parts as separate processes (three subgraphs, one gateway): offergate's
 *   gateway, @apollo/gateway and Hive default in front of the same subgraph
 *   processes.
 *
 * Rounds interleave the targets, and each figure is the median of the
 * rounds; ratios are medians of the ratios within each round.
 */
import { gql, median } from "./lib/client";
import { startDatabase, type Database } from "./lib/db";
import { measureLoad, type MeasuredLoad } from "./lib/load";
import { runScript } from "./lib/proc";
import { GRAPH_QUERY } from "./lib/queries";
import { columns, fixed, provenance, publish, table, type Report } from "./lib/report";
import { SECRETS, startPart, startTarget, targetEnv, type Target } from "./lib/targets";
import { Admin, buildOfferGraph, type OfferGraphWorld } from "./lib/world";

export const GRAPH_SIZE = { products: 10, chains: 10, sellers: 10, copies: 9 };

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const PROFILE = process.env.BENCH_PROFILE; // a target name: run it under --cpu-prof
/** BENCH_PROFILE_SUBGRAPHS=1: the subgraph processes under --cpu-prof too (shared by the separate targets: pick one with BENCH_ONLY). */
const PROFILE_SUBGRAPHS = process.env.BENCH_PROFILE_SUBGRAPHS === "1";
/** The gateway without its cache of immutable entities: every fetch reaches the subgraphs, as with the other gateways. */
const NO_CACHE = { ENTITY_CACHE_SIZE: "0" };

interface Spec {
  name: string;
  shape: "one process" | "separate processes";
  start(): Promise<Target>;
}

const CPU_PROF = ["--cpu-prof", `--cpu-prof-dir=${process.cwd()}/profiles`];
const profileArgs = (name: string) => (PROFILE === name ? CPU_PROF : []);
const subgraphProfileArgs = PROFILE_SUBGRAPHS ? CPU_PROF : [];

function specs(db: Database): Spec[] {
  const env = targetEnv(db);
  const one = (name: string, file: string, args: string[] = [], extra: Record<string, string> = {}): Spec => ({
    name,
    shape: "one process",
    start: () => startTarget(name, file, { ...env, ...extra }, args, profileArgs(name)),
  });
  const offergateSeparate = (name: string, extra: Record<string, string> = {}) =>
    separate(name, async (urls) => {
      const { child, url } = await startPart(`${name} gateway`, "gateway/server", { ...env, ...urls, ...extra }, profileArgs(name));
      return { name, url, pids: { gateway: child.pid }, children: [child], stop: () => child.stop() };
    });
  let parts: Promise<{ urls: Record<string, string>; pids: Record<string, number> }> | undefined;
  // The three subgraph processes, started once and shared by every separate-process gateway.
  const subgraphProcesses = () =>
    (parts ??= (async () => {
      const accounts = await startPart("accounts", "accounts/server", { ...env, ACCOUNTS_PORT: "0" }, subgraphProfileArgs);
      const catalog = await startPart("catalog", "catalog/server", { ...env, CATALOG_PORT: "0" }, subgraphProfileArgs);
      const exchange = await startPart("exchange", "exchange/server", {
        ...env,
        EXCHANGE_PORT: "0",
        ACCOUNTS_URL: accounts.url,
        CATALOG_URL: catalog.url,
      }, subgraphProfileArgs);
      return {
        urls: { ACCOUNTS_URL: accounts.url, CATALOG_URL: catalog.url, EXCHANGE_URL: exchange.url },
        pids: { accounts: accounts.child.pid, catalog: catalog.child.pid, exchange: exchange.child.pid },
      };
    })());
  const separate = (name: string, start: (urls: Record<string, string>) => Promise<Target>): Spec => ({
    name,
    shape: "separate processes",
    start: async () => {
      const { urls, pids } = await subgraphProcesses();
      const target = await start(urls);
      return { ...target, pids: { ...target.pids, ...pids } };
    },
  });
  return [
    one("offergate", "offergate"),
    one("offergate, no entity cache", "offergate", [], NO_CACHE),
    one("offergate, subgraphs over HTTP", "offergate", ["--transport=http"]),
    one("offergate, JavaScript planner", "offergate", ["--planner=javascript"]),
    one("Hive Gateway default", "hive-default"),
    one("@apollo/gateway", "apollo-gateway"),
    one("monolith", "monolith"),
    offergateSeparate("offergate (separate)"),
    offergateSeparate("offergate (separate), no entity cache", NO_CACHE),
    separate("@apollo/gateway (separate)", (urls) => startTarget("@apollo/gateway (separate)", "apollo-gateway", { ...env, ...urls })),
    separate("Hive Gateway default (separate)", (urls) => startTarget("Hive Gateway default (separate)", "hive-default", { ...env, ...urls })),
  ];
}

export interface GraphResult {
  name: string;
  shape: string;
  rounds: MeasuredLoad[];
}

/** Every target answers a sample of the queries exactly as offergate does. */
async function checkSameAnswers(targets: Target[], world: OfferGraphWorld): Promise<void> {
  const sample = world.offerIds.filter((_, i) => i % Math.ceil(world.offerIds.length / 15) === 0);
  for (const id of sample) {
    const expected = JSON.stringify(await gql(targets[0]!.url, GRAPH_QUERY, { id }));
    for (const t of targets.slice(1)) {
      const got = JSON.stringify(await gql(t.url, GRAPH_QUERY, { id }));
      if (got !== expected) throw new Error(`${t.name} answers offer ${id} differently:\n${got}\nexpected\n${expected}`);
    }
  }
}

export async function runGraph(db: Database, world: OfferGraphWorld): Promise<GraphResult[]> {
  const bodies = world.offerIds.map((id) => JSON.stringify({ query: GRAPH_QUERY, variables: { id } }));
  // Shuffled, so that consecutive requests ask for unrelated offers.
  for (let i = bodies.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [bodies[i], bodies[j]] = [bodies[j]!, bodies[i]!];
  }
  const targets: Target[] = [];
  // BENCH_ONLY="name;name": only those targets (for a profile or a quick look; ratios need their pairs).
  const only = process.env.BENCH_ONLY?.split(";");
  const list = specs(db).filter((s) => !only || only.includes(s.name));
  for (const spec of list) {
    process.stdout.write(`starting ${spec.name}\n`);
    targets.push({ ...(await spec.start()), name: spec.name });
  }
  await checkSameAnswers(targets, world);
  const results: GraphResult[] = list.map((s) => ({ name: s.name, shape: s.shape, rounds: [] }));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, target] of targets.entries()) {
      const r = await measureLoad(
        { url: target.url, connections: CONNECTIONS, warmupSeconds: WARMUP, seconds: SECONDS, bodies },
        { ...target.pids, db: db.process.pid },
      );
      if (r.failures > 0) throw new Error(`${target.name}: ${r.failures} failed requests, e.g. ${r.sampleFailure}`);
      results[i]!.rounds.push(r);
      process.stdout.write(
        `round ${round} ${target.name.padEnd(34)} ${fixed(r.rps, 0).padStart(5)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  gateway ${fixed(r.cpuPerRequest.gateway!, 2)} ms CPU/req  service ${fixed(sum(r.cpuPerRequest, ["db"]), 2)}  db ${fixed(r.cpuPerRequest.db!, 2)}  all ${fixed(sum(r.cpuPerRequest), 2)}\n`,
      );
    }
  }
  for (const t of targets) await t.stop();
  return results;
}

const sum = (o: Record<string, number>, skip: string[] = []) =>
  Object.entries(o).reduce((a, [k, v]) => (skip.includes(k) ? a : a + v), 0);

/** The markdown for the results, with the goals. */
export function graphReport(results: GraphResult[], world: OfferGraphWorld, command: string): Report {
  const by = new Map(results.map((r) => [r.name, r]));
  const ratio = (a: string, b: string) =>
    by.has(a) && by.has(b) ? median(by.get(a)!.rounds.map((r, i) => r.rps / by.get(b)!.rounds[i]!.rps)) : NaN;
  const rows = results.map((r) => {
    const m = (f: (x: MeasuredLoad) => number) => median(r.rounds.map(f));
    return [
      r.name,
      r.shape,
      fixed(m((x) => x.rps), 0),
      `${m((x) => x.p50)} / ${m((x) => x.p99)}`,
      fixed(m((x) => x.cpuPerRequest.gateway!), 2),
      fixed(m((x) => sum(x.cpuPerRequest, ["db"])), 2),
      fixed(m((x) => x.cpuPerRequest.db!), 2),
    ];
  });
  // CPU per request of every process serving it (gateway, subgraphs, database): what throughput would be on cores of its own, steadier than req/s on a shared machine.
  const cpuRatio = (a: string, b: string) =>
    by.has(a) && by.has(b) ? median(by.get(a)!.rounds.map((r, i) => sum(by.get(b)!.rounds[i]!.cpuPerRequest) / sum(r.cpuPerRequest))) : NaN;
  const goal = (label: string, value: number, target: number) => [
    label,
    `${fixed(value, 2)}×`,
    `≥ ${target}×`,
    Number.isNaN(value) ? "not measured" : value >= target ? "met" : "**missed**",
  ];
  const headers = ["target", "shape", "req/s", "p50 / p99 ms", "gateway CPU ms/req", "service CPU ms/req", "database CPU ms/req"];
  const goals = table(
    ["ratio of req/s", "measured", "goal", ""],
    [
      goal("embedded / @apollo/gateway", ratio("offergate", "@apollo/gateway"), 2),
      goal("embedded / monolith", ratio("offergate", "monolith"), 0.8),
      goal("separate / @apollo/gateway (separate)", ratio("offergate (separate)", "@apollo/gateway (separate)"), 2),
      goal("no entity cache: embedded / @apollo/gateway", ratio("offergate, no entity cache", "@apollo/gateway"), 2),
      goal("no entity cache: embedded / monolith", ratio("offergate, no entity cache", "monolith"), 0.8),
      goal("no entity cache: separate / @apollo/gateway (separate)", ratio("offergate (separate), no entity cache", "@apollo/gateway (separate)"), 1.5),
    ],
  );
  const summary = `## Offer graph: throughput and latency

${provenance(command)}

${columns(headers, rows, ["target", "req/s", "p50 / p99 ms"])}

${goals}

CPU per request, all processes (@apollo/gateway (separate) over offergate (separate)): ${fixed(cpuRatio("offergate (separate)", "@apollo/gateway (separate)"), 2)}×.`;
  const notes = `## Offer graph: throughput, latency, CPU per request

${provenance(command)}

The query: one offer with its product, seller, marketplace, via, source and
two levels of forwards (${GRAPH_QUERY.length} characters; 3 subgraphs, 3 fetches).
Each request asks for another of ${world.offerIds.length} offers
(${world.chains.length} chains A → B → C, ${world.sellers.length} sellers, ${world.products.length}
products), shuffled. ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s (after ${WARMUP} s of
warm-up) per target, interleaved; medians. The load generator is autocannon
in its own process; a response with GraphQL errors counts as a failure (there
were none). "Gateway CPU" is the CPU time of the process that serves clients
(in one-process targets it includes the subgraphs); "service CPU" adds the
subgraph processes; the database (jongodb, the embedded server) is counted
apart.

${table(headers, rows)}

offergate remembers sellers, marketplaces and products (which never change
once created) across requests, up to \`ENTITY_CACHE_SIZE\`; the other
gateways have no such cache, so each goal is also shown without it. Here
every one of them is soon remembered (the data set has ${world.sellers.length} sellers and ${world.products.length}
products), as it would be for the hot part of a real catalogue.

Decisions measured in the same run: in-process subgraph calls vs loopback
HTTP, ${fixed(ratio("offergate", "offergate, subgraphs over HTTP"), 2)}× the throughput; Rust vs JavaScript query
planner, ${fixed(ratio("offergate", "offergate, JavaScript planner"), 2)}×; offergate vs Hive Gateway's
default setup, ${fixed(ratio("offergate", "Hive Gateway default"), 2)}× (one process) and
${fixed(ratio("offergate (separate)", "Hive Gateway default (separate)"), 2)}× (separate processes).`;
  return { summary, notes };
}

/** Seeds the offer graph (also the database round trips' data set) into `db`, through an offergate started for it and stopped after. */
export async function seedGraph(db: Database): Promise<OfferGraphWorld> {
  const started = Date.now();
  const seeder = await startTarget("seeder", "offergate", targetEnv(db));
  try {
    const world = await buildOfferGraph(new Admin(seeder.url, SECRETS.ADMIN_API_KEY), db.uri, GRAPH_SIZE);
    process.stdout.write(`seeded ${world.offerIds.length} offers in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return world;
  } finally {
    await seeder.stop();
  }
}

if (require.main === module) {
  runScript(async () => {
    const db = await startDatabase();
    const world = await seedGraph(db);
    publish(process.env.BENCH_SECTION ?? "graph", graphReport(await runGraph(db, world), world, "npm run bench:graph"));
  });
}
