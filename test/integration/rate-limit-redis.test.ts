import { randomBytes } from "node:crypto";
import { createRedisRateLimiter } from "../../src/gateway/rate-limit";
import { freePort } from "../helpers/processes";
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
