/**
 * `npm run bench:libraries [rate|principal|bus]`: the libraries that replaced
 * hand-written parts, measured side by side with those parts in one run
 * (bench/lib/hand-written.ts keeps them). Each figure is the best of three
 * rounds, the two sides alternating, so that a busy machine favours neither.
 */
import { createServer } from "node:net";
import { createLocalRateLimiter, createRedisRateLimiter, type RateLimiter } from "../src/gateway/rate-limit";
import { RedisPubSub } from "@graphql-hive/pubsub/redis";
import Redis from "ioredis";
import { createRedisBus } from "../src/shared/bus";
import { signPrincipal, verifyPrincipal, type Principal } from "../src/shared/principal";
import { handLocalRateLimiter, handRedisRateLimiter, handSignPrincipal, handVerifyPrincipal } from "./lib/hand-written";
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

/** Operations per second, and this process's CPU per operation. */
interface Measure {
  perSecond: number;
  cpuUs: number;
  /** Of the hits, the share counted in Redis (a late reply makes the limiter count on its own): set for the Redis rate limiters. */
  inRedis?: number;
}

/** `rate`, with the CPU it took. */
async function measure(n: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<Measure> {
  const cpu = process.cpuUsage();
  const perSecond = await rate(n, inFlight, op);
  const used = process.cpuUsage(cpu);
  return { perSecond, cpuUs: (used.user + used.system) / n };
}

/** Best of three rounds for each side, alternating; for a Redis rate limiter, of the rounds that counted all in Redis if any did. */
async function compare(label: string, sides: Record<string, () => Promise<number | Measure>>): Promise<string> {
  const best: Record<string, Measure> = {};
  const whole = (m: Measure) => (m.inRedis ?? 1) >= 0.999;
  for (let round = 0; round < 3; round++) {
    for (const [name, run] of Object.entries(sides)) {
      const got = await run();
      const m = typeof got === "number" ? { perSecond: got, cpuUs: NaN } : got;
      const was = best[name];
      if (!was || (whole(m) && !whole(was)) || (whole(m) === whole(was) && m.perSecond > was.perSecond)) best[name] = m;
    }
  }
  const cells = Object.entries(best).map(
    ([name, m]) =>
      `${name} ${Math.round(m.perSecond).toLocaleString("en")}/s` +
      (Number.isNaN(m.cpuUs) ? "" : ` (${m.cpuUs.toFixed(1)} µs CPU each)`) +
      (whole(m) ? "" : ` (only ${(100 * m.inRedis!).toFixed(0)}% counted in Redis)`),
  );
  return `${label}: ${cells.join(", ")}`;
}

async function hits(make: () => RateLimiter, n: number, inFlight: number, redisUrl?: string, buckets = 1_000): Promise<Measure> {
  const redis = redisUrl ? new Redis(redisUrl) : undefined;
  await redis?.flushdb();
  const limiter = make();
  try {
    await limiter.hit("warm-up");
    const m = await measure(n, inFlight, (i) => limiter.hit(`b${i % buckets}`));
    if (!redis) return m;
    let counted = -1; // the warm-up's
    for await (const keys of redis.scanStream({ match: "offergate:rate:*", count: 1_000 }) as AsyncIterable<string[]>) {
      if (keys.length) counted += (await redis.mget(...keys)).reduce((sum, v) => sum + Number(v ?? 0), 0);
    }
    return { ...m, inRedis: counted / n };
  } finally {
    await limiter.close();
    redis?.disconnect();
  }
}

/** A Redis of the bench's own, on a free port. */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const redis = startProcess("redis", "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
  await redis.waitFor(/Ready to accept connections/);
  return { url: `redis://127.0.0.1:${port}`, stop: () => redis.stop() };
}

async function rateLimiters(): Promise<string[]> {
  const redis = await startRedis();
  const url = redis.url;
  const limit = 1_000_000;
  const lines = [
    await compare("rate limit, one process, 200,000 hits on 1,000 buckets", {
      "hand-written": () => hits(() => handLocalRateLimiter(limit), 200_000, 1),
      "rate-limiter-flexible": () => hits(() => createLocalRateLimiter(limit), 200_000, 1),
    }),
    await compare("rate limit, Redis, 20,000 hits one at a time", {
      "hand-written": () => hits(() => handRedisRateLimiter(url, limit), 20_000, 1, url),
      "rate-limiter-flexible": () => hits(() => createRedisRateLimiter(url, limit), 20_000, 1, url),
    }),
    await compare("rate limit, Redis, 50,000 hits 64 at a time", {
      "hand-written": () => hits(() => handRedisRateLimiter(url, limit), 50_000, 64, url),
      "rate-limiter-flexible": () => hits(() => createRedisRateLimiter(url, limit), 50_000, 64, url),
    }),
  ];
  await redis.stop();
  return lines;
}

/** Sign then verify, as the gateway and a subgraph do for each subgraph request. */
async function principals(): Promise<string[]> {
  const secret = "s".repeat(43);
  const hand = (principal: Principal) => async () => {
    if (!handVerifyPrincipal(handSignPrincipal(principal, secret), secret).ok) throw new Error("refused");
  };
  const jose = (principal: Principal) => async () => {
    if (!(await verifyPrincipal(await signPrincipal(principal, secret), secret)).ok) throw new Error("refused");
  };
  // A new seller each time: neither the signed nor the verified token is remembered, so each is jose's work.
  const seller = (i: number): Principal => ({ kind: "SELLER", id: `sel_${i}_${Math.random()}` });
  const same: Principal = { kind: "SELLER", id: "sel_0123456789abcdef01234567" };
  const lines: string[] = [];
  for (const inFlight of [1, 64]) {
    lines.push(
      await compare(`principal sign + verify, ${inFlight} at a time`, {
        "hand-written": () => measure(100_000, inFlight, (i) => hand(seller(i))()),
        "jose, each principal new": () => measure(10_000, inFlight, (i) => jose(seller(i))()),
        "jose, one principal again (remembered)": () => measure(100_000, inFlight, jose(same)),
      }),
    );
  }
  return lines;
}

/** Messages per second from one replica's publish to another replica's listener, `n` sent at once; with this process's CPU. */
async function fanOut(n: number, setUp: (received: () => void) => Promise<{ send(i: number): void; close(): Promise<void> }>): Promise<Measure> {
  let got = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const bus = await setUp(() => ++got === n && done());
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) bus.send(i);
  await all;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await bus.close();
  return { perSecond: n / seconds, cpuUs: (used.user + used.system) / n };
}

/** A ring (a marketplace id and its origin) from one replica to another, through Redis. */
async function buses(): Promise<string[]> {
  const redis = await startRedis();
  const n = 50_000;
  const ours = () =>
    fanOut(n, async (received) => {
      const [a, b] = await Promise.all([createRedisBus(redis.url), createRedisBus(redis.url)]);
      b.onRing(received);
      return { send: (i) => a.ring(`mkt_${i}`, "origin"), close: async () => void (await Promise.all([a.close(), b.close()])) };
    });
  const hive = () =>
    fanOut(n, async (received) => {
      const clients = () => ({ pub: new Redis(redis.url), sub: new Redis(redis.url) });
      const a = new RedisPubSub<{ ring: { id: string; origin?: string } }>(clients(), { channelPrefix: "bench" });
      const b = new RedisPubSub<{ ring: { id: string; origin?: string } }>(clients(), { channelPrefix: "bench" });
      await b.subscribe("ring", received);
      return { send: (i) => void a.publish("ring", { id: `mkt_${i}`, origin: "origin" }), close: async () => void (await Promise.all([a.dispose(), b.dispose()])) };
    });
  const line = await compare(`bus, ${n.toLocaleString("en")} rings published at once, replica to replica`, { "ours (ioredis)": ours, "@graphql-hive/pubsub RedisPubSub": hive });
  await redis.stop();
  return [line];
}

const parts: Record<string, () => Promise<string[]>> = { rate: rateLimiters, principal: principals, bus: buses };

runScript(async () => {
  const chosen = process.argv.slice(2);
  for (const [name, run] of Object.entries(parts)) {
    if (chosen.length > 0 && !chosen.includes(name)) continue;
    for (const line of await run()) process.stdout.write(`${line}\n`);
  }
});
