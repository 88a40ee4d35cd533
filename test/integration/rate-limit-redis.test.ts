import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createRedisRateLimiter } from "../../src/gateway/rate-limit";
import { DIST, freePort } from "../helpers/processes";
import { REDIS_URL, describeWithRedis } from "../helpers/redis";

describeWithRedis("the Redis rate limiter", () => {
  it("two limiters on one Redis share one budget per bucket", async () => {
    const a = createRedisRateLimiter(REDIS_URL, 5);
    const b = createRedisRateLimiter(REDIS_URL, 5);
    try {
      const bucket = `test:${randomBytes(6).toString("hex")}`;
      const verdicts = [];
      for (let i = 0; i < 8; i++) verdicts.push((await (i % 2 ? b : a).hit(bucket)).allowed);
      expect(verdicts).toEqual([true, true, true, true, true, false, false, false]);
      expect((await a.hit(`${bucket}:other`)).allowed).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("the Redis rate limiter without a Redis", () => {
  it("counts locally instead of failing or letting everything through", async () => {
    const limiter = createRedisRateLimiter(`redis://127.0.0.1:${await freePort()}`, 2);
    try {
      const verdicts = [];
      for (let i = 0; i < 3; i++) verdicts.push((await limiter.hit("x")).allowed);
      expect(verdicts).toEqual([true, true, false]);
    } finally {
      await limiter.close();
    }
  });
});

describe("closing the Redis rate limiter", () => {
  it("lets its process end at once, even after its connection to Redis was lost", async () => {
    // In a process of its own (the built code), which says how long it lived on after the close.
    const script = `
      const { createRedisRateLimiter } = require(${JSON.stringify(join(DIST, "gateway", "rate-limit.js"))});
      (async () => {
        const limiter = createRedisRateLimiter("redis://127.0.0.1:" + process.argv[1], 2);
        for (let i = 0; i < 3; i++) await limiter.hit("x");
        await limiter.close();
        const closed = Date.now();
        process.on("exit", () => process.stdout.write("lived on " + (Date.now() - closed) + " ms"));
      })();`;
    const run = spawnSync(process.execPath, ["-e", script, String(await freePort())], { encoding: "utf8", timeout: 20_000, env: { ...process.env, LOG_LEVEL: "silent" } });
    const livedOn = Number(/lived on (\d+) ms/.exec(run.stdout)?.[1]);
    // ioredis's default would hold it for 2 s (src/shared/redis-options.ts).
    expect(livedOn).toBeLessThan(1_000);
  });
});
