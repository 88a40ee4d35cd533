/**
 * Webhook delivery latency: 100 marketplaces, one webhook each,
 * each to a receiver of its own (a node:http server in this process, on
 * loopback, so WEBHOOK_ALLOW_PRIVATE_TARGETS is set). One seller lists one
 * offer at each marketplace; each round one setStock changes its quantity,
 * so every marketplace's feed gets one UPDATED event and every webhook one
 * delivery. Latency: from sending the mutation to the receiver's getting the
 * event (and from the mutation's response, the contract's clock). Phases:
 * every receiver up; receiver 0 down (its port closed: refused, retried with
 * backoff); receiver 0 hanging (accepts, never answers: each attempt waits
 * WEBHOOK_TIMEOUT_MS). In the last two, the other 99 are measured. The
 * mutation's own time is measured before any webhook exists, and with them.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gql, maxOf, median, quantile } from "./lib/client";
import { startDatabase } from "./lib/db";
import { runScript, stopAll } from "./lib/proc";
import { columns, fixed, provenance, publish, table, type Report } from "./lib/report";
import { SECRETS, startTarget, targetEnv } from "./lib/targets";
import { Admin } from "./lib/world";

const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 20);
const WARMUP = 2;
const MARKETS = 100;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Mode = "up" | "down" | "hanging";

/** One endpoint: records when each quantity's event arrived, answers 204, or (hanging) never. */
class Receiver {
  readonly arrivals = new Map<number, number>();
  mode: Mode = "up";
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        const at = now();
        if (this.mode === "hanging") return; // never answers: the attempt times out
        for (const e of (JSON.parse(raw) as { events: { quantity: number }[] }).events) if (!this.arrivals.has(e.quantity)) this.arrivals.set(e.quantity, at);
        res.writeHead(204).end();
      });
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Phase {
  name: string;
  measured: number;
  fromSend: number[];
  fromResponse: number[];
  mutationMs: number[];
  missing: number;
}

async function runPhase(name: string, measured: Receiver[], change: () => Promise<number>): Promise<Phase> {
  const phase: Phase = { name, measured: measured.length, fromSend: [], fromResponse: [], mutationMs: [], missing: 0 };
  for (let r = -WARMUP; r < ROUNDS; r++) {
    await sleep(200);
    const t0 = now();
    const quantity = await change();
    const t1 = now();
    const deadline = Date.now() + 30_000;
    while (measured.some((rc) => !rc.arrivals.has(quantity)) && Date.now() < deadline) await sleep(5);
    if (r < 0) continue;
    phase.mutationMs.push(t1 - t0);
    for (const rc of measured) {
      const at = rc.arrivals.get(quantity);
      if (at === undefined) phase.missing++;
      else {
        phase.fromSend.push(at - t0);
        phase.fromResponse.push(at - t1);
      }
    }
  }
  process.stdout.write(`${name}: p50 ${fixed(median(phase.fromSend))} ms, p99 ${fixed(quantile(phase.fromSend, 0.99))} ms, max ${fixed(maxOf(phase.fromSend))} ms, missing ${phase.missing}\n`);
  return phase;
}

/** Mutation time alone, before any webhook exists. */
async function baseline(change: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let r = -WARMUP; r < ROUNDS; r++) {
    await sleep(200);
    const t0 = now();
    await change();
    if (r >= 0) times.push(now() - t0);
  }
  return times;
}

async function webhookMetrics(url: string): Promise<string> {
  const text = await (await fetch(url.replace(/\/graphql$/, "/metrics"))).text();
  return text
    .split("\n")
    .filter((l) => /^offergate_webhook_(deliveries_total|backlog_events|lag_seconds)/.test(l))
    .join("; ");
}

export async function runWebhooks(): Promise<{ phases: Phase[]; baselineMs: number[]; metrics: string }> {
  const db = await startDatabase();
  const og = await startTarget("offergate", "offergate", targetEnv(db, { WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" }));
  const admin = new Admin(og.url, SECRETS.ADMIN_API_KEY);
  const markets = (await admin.marketplaces(MARKETS)).map((m) => m.id);
  const [seller] = (await admin.sellers(1)).map((s) => s.id);
  const [product] = await admin.products(1);
  await admin.affiliate(markets.map((m) => [seller!, m] as [string, string]));
  await admin.stock([[seller!, product!, 5]]);
  await admin.submit(markets.map((m) => [seller!, m, product!] as [string, string, string]));
  let quantity = 5;
  const change = async () => {
    const q = ++quantity;
    await gql(og.url, "mutation($i: SetStockInput!) { setStock(input: $i) { version } }", { i: { ownerId: seller, productId: product, quantity: q } }, SECRETS.ADMIN_API_KEY);
    return q;
  };
  const baselineMs = await baseline(change);

  const receivers = Array.from({ length: MARKETS }, () => new Receiver());
  for (const r of receivers) await r.start();
  for (const [i, m] of markets.entries()) {
    await admin.gql(`mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }`, {
      i: { marketplaceId: m, url: `http://127.0.0.1:${receivers[i]!.port}/hook` },
    });
  }
  const phases: Phase[] = [];
  phases.push(await runPhase("all 100 receivers up", receivers, change));
  await receivers[0]!.stop();
  phases.push(await runPhase("receiver 0 down (port closed)", receivers.slice(1), change));
  await receivers[0]!.start();
  receivers[0]!.mode = "hanging";
  phases.push(await runPhase("receiver 0 hanging (never answers)", receivers.slice(1), change));
  const metrics = await webhookMetrics(og.url);
  for (const r of receivers) await r.stop();
  await stopAll();
  return { phases, baselineMs, metrics };
}

export function webhooksReport(result: Awaited<ReturnType<typeof runWebhooks>>, command: string): Report {
  const headers = ["phase", "receivers measured", "events", "missing", "p50", "p99", "max", "p99 from the response", "mutation p50"];
  const rows = result.phases.map((p) => [
    p.name,
    p.measured,
    p.fromSend.length,
    p.missing,
    fixed(median(p.fromSend)),
    fixed(quantile(p.fromSend, 0.99)),
    fixed(maxOf(p.fromSend)),
    fixed(quantile(p.fromResponse, 0.99)),
    fixed(median(p.mutationMs)),
  ]);
  const summary = [
    "## Webhook delivery latency",
    "",
    provenance(command),
    "",
    `Milliseconds from a mutation to 100 receivers' getting its event; goal p99 ≤ 1,000 ms from the mutation's response, also with one receiver down.`,
    "",
    columns(headers, rows, ["phase", "missing", "p99", "p99 from the response"]),
  ].join("\n");
  const notes = [
    "## Webhook delivery latency",
    "",
    provenance(command),
    "",
    `100 marketplaces with one webhook each, each to its own HTTP receiver; ${ROUNDS} counted rounds (after ${WARMUP} uncounted) of one setStock that puts one event in every marketplace's feed. Latency from sending the mutation to the receiver's getting the event (ms); goal p99 ≤ 1,000 ms, also with one receiver down.`,
    "",
    table(headers, rows),
    "",
    `The mutation alone, before any webhook existed: p50 ${fixed(median(result.baselineMs))} ms, p99 ${fixed(quantile(result.baselineMs, 0.99))} ms.`,
    "",
    "The phases run in this order on one growing feed log; on the embedded engine each feed append costs more as the log grows, so later phases' mutations are slower whatever the webhooks do, and the delivery's own share is the column from the mutation's response (the contract's clock: within 1 s of the mutation returning).",
    "",
    `Metrics at the end: ${result.metrics || "(none)"}`,
  ].join("\n");
  return { summary, notes };
}

if (require.main === module) {
  runScript(async () => publish("webhooks", webhooksReport(await runWebhooks(), "npm run bench:webhooks")));
}
