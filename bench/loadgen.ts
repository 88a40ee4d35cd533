/**
 * The load generator, always run as its own process (bench/lib/load.ts starts
 * it) so that it never shares an event loop with what it measures. It reads a
 * spec file, warms up, prints `MEASURE` when the measured run starts and then
 * one line of JSON with the result.
 */
import autocannon from "autocannon";
import { readFileSync } from "node:fs";

export interface LoadSpec {
  url: string;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** A fixed number of requests instead of `seconds` (each body sent once when it equals their number). */
  amount?: number;
  headers?: Record<string, string>;
  /** JSON bodies, sent in turn (each connection takes the next one). */
  bodies: string[];
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  /** Non-2xx responses, transport errors, timeouts and responses that carry GraphQL errors. */
  failures: number;
  sampleFailure?: string;
}

async function run(spec: LoadSpec, seconds: number, amount?: number): Promise<LoadResult> {
  let next = 0;
  let sampleFailure: string | undefined;
  // A run of a fixed number of requests is timed to its last response: autocannon ends it at its next
  // one-second tick, so its own duration would cap such a run at `amount` requests per second.
  const started = performance.now();
  let lastResponse = started;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(amount ? { amount } : { duration: seconds }),
    timeout: 30,
    method: "POST",
    headers: { "content-type": "application/json", ...spec.headers },
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: spec.bodies[next++ % spec.bodies.length] }),
        onResponse: () => void (lastResponse = performance.now()),
      },
    ],
    verifyBody: (raw) => {
      const body = String(raw ?? "");
      const ok = !body.includes('"errors"');
      if (!ok && !sampleFailure) sampleFailure = body.slice(0, 400);
      return ok;
    },
  });
  const failures = result.non2xx + result.errors + result.timeouts + (result.mismatches ?? 0);
  const requests = result.requests.total;
  const elapsed = amount ? (lastResponse - started) / 1000 : result.duration;
  return {
    requests,
    seconds: elapsed,
    rps: requests / elapsed,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    failures,
    sampleFailure,
  };
}

async function main() {
  const spec = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadSpec;
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
  process.stdout.write("MEASURE\n");
  const result = await run(spec, spec.seconds, spec.amount);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
