import { GraphQLError } from "graphql";
import Redis from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { logger } from "../shared/logger";
import { REDIS_DISCONNECT_TIMEOUT_MS, redisGate, withinBudget, withTimeout } from "../shared/redis-options";

export interface RateVerdict {
  allowed: boolean;
  /** Until the current window ends. */
  retryAfterMs: number;
}

/** Counts requests per bucket (an API key's principal, or an anonymous client's address) in fixed one-minute windows. */
export interface RateLimiter {
  hit(bucket: string): Promise<RateVerdict>;
  close(): Promise<void>;
}

const WINDOW_MS = 60_000;

/** A verdict from rate-limiter-flexible, which rejects with its result once a bucket is over its points. */
async function verdictOf(consumed: Promise<RateLimiterRes>): Promise<RateVerdict> {
  try {
    const res = await consumed;
    return { allowed: true, retryAfterMs: res.msBeforeNext };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { allowed: false, retryAfterMs: error.msBeforeNext };
    throw error;
  }
}

const memoryLimiter = (limit: number, windowMs: number) => new RateLimiterMemory({ points: limit, duration: windowMs / 1000, keyPrefix: "offergate:rate" });

/** One process: rate-limiter-flexible's in-memory counters, each bucket's window starting at its first hit. */
export function createLocalRateLimiter(limit: number, windowMs = WINDOW_MS): RateLimiter {
  const local = memoryLimiter(limit, windowMs);
  return {
    hit: (bucket) => verdictOf(local.consume(bucket)),
    close: async () => undefined,
  };
}

/**
 * Across replicas: rate-limiter-flexible's fixed-window counter in Redis (one
 * key per bucket, INCR and its expiry in one script). When Redis does not
 * answer, each replica counts on its own in the library's insurance limiter
 * (the limit then holds per replica) rather than refusing traffic or letting
 * it through uncounted.
 */
export function createRedisRateLimiter(url: string, limit: number, windowMs = WINDOW_MS): RateLimiter {
  // Commands wait for the first connection (so that a new replica counts in Redis from its first request),
  // but never long: a Redis that is down or slow makes the replica count locally.
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
  });
  redis.on("error", (error) => logger.warn("rate limiter: redis error", { error: error.message }));
  const gate = redisGate(url, redis);
  const local = memoryLimiter(limit, windowMs);
  // Redis keys expire in whole seconds.
  const shared = new RateLimiterRedis({
    storeClient: redis,
    points: limit,
    duration: Math.max(1, Math.round(windowMs / 1000)),
    keyPrefix: "offergate:rate",
    insuranceLimiter: local,
  });
  return {
    async hit(bucket) {
      if (!gate.usable()) return verdictOf(local.consume(bucket));
      // A command that fails in time is counted by the insurance limiter inside the library; one that hangs marks Redis as failing.
      const command = withTimeout(verdictOf(shared.consume(bucket))).catch((error: Error) => {
        gate.failed();
        logger.warn("rate limiter: counting locally", { error: error.message });
        throw error;
      });
      try {
        // A reply later than the budget: counted here instead (the hit may still land in Redis, counting it twice).
        // Before the first connection the command waits for it, so that a new replica counts in Redis from its first request.
        const answer = redis.status === "ready" ? await withinBudget(command) : { value: await command };
        if (answer) return answer.value;
        gate.late(command);
        return await verdictOf(local.consume(bucket));
      } catch {
        return verdictOf(local.consume(bucket));
      }
    },
    close: async () => {
      redis.disconnect();
    },
  };
}

export const rateLimited = (retryAfterMs: number) => {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new GraphQLError(`Too many requests; try again in ${seconds} s`, {
    extensions: { code: "RATE_LIMITED", retryAfterSeconds: seconds, http: { status: 429, headers: { "retry-after": String(seconds) } } },
  });
};

/**
 * The address a request came from: the socket's peer, or, behind a trusted
 * reverse proxy, the last address in X-Forwarded-For (the one the proxy saw;
 * earlier entries are the client's own claims).
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | null | undefined, trustProxy: boolean): string {
  if (trustProxy && forwardedFor) {
    const last = forwardedFor.split(",").map((s) => s.trim()).filter(Boolean).at(-1);
    if (last) return last;
  }
  return socketAddress ?? "unknown";
}
