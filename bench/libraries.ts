/**
 * `npm run bench:libraries [rate|principal|bus]`: the libraries that replaced
 * hand-written parts, measured side by side with those parts in one run
 * (bench/lib/hand-written.ts keeps them). Each figure is the best of three
 * rounds, the two sides alternating, so that a busy machine favours neither.
 */
import { createServer } from "node:net";
import { createLocalRateLimiter, createRedisRateLimiter, type RateLimiter } from "../src/gateway/rate-limit";
import { handLocalRateLimiter, handRedisRateLimiter } from "./lib/hand-written";
import { runScript, startProcess } from "./lib/proc";

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Operations per second of `op`, run `n` times with `inFlight` at once. */
async function rate(n: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await op(next++);
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

/** Best of three rounds for each side, alternating. */
async function compare(label: string, sides: Record<string, () => Promise<number>>): Promise<string> {
  const best: Record<string, number> = {};
  for (let round = 0; round < 3; round++) {
    for (const [name, run] of Object.entries(sides)) best[name] = Math.max(best[name] ?? 0, await run());
  }
  const cells = Object.entries(best).map(([name, perSecond]) => `${name} ${Math.round(perSecond).toLocaleString("en")}/s`);
  return `${label}: ${cells.join(", ")}`;
}

async function hits(make: () => RateLimiter, n: number, inFlight: number, buckets = 1_000): Promise<number> {
  const limiter = make();
  try {
    await limiter.hit("warm-up");
    return await rate(n, inFlight, (i) => limiter.hit(`b${i % buckets}`));
  } finally {
    await limiter.close();
  }
}

async function rateLimiters(): Promise<string[]> {
  const port = await freePort();
  const redis = startProcess("redis", "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
  await redis.waitFor(/Ready to accept connections/);
  const url = `redis://127.0.0.1:${port}`;
  const limit = 1_000_000;
  const lines = [
    await compare("rate limit, one process, 200,000 hits on 1,000 buckets", {
      "hand-written": () => hits(() => handLocalRateLimiter(limit), 200_000, 1),
      "rate-limiter-flexible": () => hits(() => createLocalRateLimiter(limit), 200_000, 1),
    }),
    await compare("rate limit, Redis, 20,000 hits one at a time", {
      "hand-written": () => hits(() => handRedisRateLimiter(url, limit), 20_000, 1),
      "rate-limiter-flexible": () => hits(() => createRedisRateLimiter(url, limit), 20_000, 1),
    }),
    await compare("rate limit, Redis, 50,000 hits 64 at a time", {
      "hand-written": () => hits(() => handRedisRateLimiter(url, limit), 50_000, 64),
      "rate-limiter-flexible": () => hits(() => createRedisRateLimiter(url, limit), 50_000, 64),
    }),
  ];
  await redis.stop();
  return lines;
}

const parts: Record<string, () => Promise<string[]>> = { rate: rateLimiters };

runScript(async () => {
  const chosen = process.argv.slice(2);
  for (const [name, run] of Object.entries(parts)) {
    if (chosen.length > 0 && !chosen.includes(name)) continue;
    for (const line of await run()) process.stdout.write(`${line}\n`);
  }
});
