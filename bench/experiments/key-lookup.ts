/**
 * A key look-up at the accounts subgraph, in-process (the embedded mode's)
 * against over loopback HTTP (separate processes'), alternating in one
 * process on the embedded database: latency and CPU per look-up. The gateway
 * makes one per key every 5 seconds (its cache).
 *
 *   npm run bench:build && node dist/bench/bench/experiments/key-lookup.js
 */
import "reflect-metadata";
import { startOffergate } from "../../src/app";
import { httpKeyLookup, inProcessKeyLookup, type KeyLookup } from "../../src/gateway/authenticate";
import { loadConfig } from "../../src/shared/config";
import { setLogLevel } from "../../src/shared/logger";
import { quantile } from "../lib/client";
import { SECRETS } from "../lib/targets";

const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 400);
const WARMUP = 50;

async function main(): Promise<void> {
  setLogLevel("error");
  const config = loadConfig({ NODE_ENV: "production", LOG_LEVEL: "error", HOST: "127.0.0.1", PORT: "0", ...SECRETS });
  const app = await startOffergate(config);
  try {
    const ways: [string, KeyLookup][] = [
      ["in-process", inProcessKeyLookup(app.local.accounts!, SECRETS.INTERNAL_SECRET)],
      ["HTTP", httpKeyLookup(() => app.subgraphs.accounts!.url, SECRETS.INTERNAL_SECRET)],
    ];
    const times = new Map(ways.map(([name]) => [name, [] as number[]]));
    const cpu = new Map(ways.map(([name]) => [name, 0]));
    for (let i = 0; i < WARMUP + LOOKUPS; i++) {
      for (const [name, lookup] of ways) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        if (!(await lookup(app.adminApiKey))) throw new Error("the admin key was not recognised");
        if (i < WARMUP) continue;
        times.get(name)!.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const used = process.cpuUsage(c0);
        cpu.set(name, cpu.get(name)! + (used.user + used.system) / 1000);
      }
    }
    process.stdout.write(`${LOOKUPS} look-ups each, alternating, after ${WARMUP} uncounted\n`);
    for (const [name] of ways) {
      const t = times.get(name)!;
      process.stdout.write(
        `${name.padEnd(11)} p50 ${quantile(t, 0.5).toFixed(3)} ms  p90 ${quantile(t, 0.9).toFixed(3)} ms  CPU ${(cpu.get(name)! / LOOKUPS).toFixed(3)} ms per look-up\n`,
      );
    }
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
