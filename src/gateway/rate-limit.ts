import { GraphQLError } from "graphql";
import Redis from "ioredis";
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

/** One process: a map of the current window's counts, cleared as windows pass. */
export function createLocalRateLimiter(limit: number, windowMs = WINDOW_MS): RateLimiter {
  let window = -1;
  let counts = new Map<string, number>();
  return {
    async hit(bucket) {
      const now = Date.now();
      const current = Math.floor(now / windowMs);
      if (current !== window) {
        window = current;
        counts = new Map();
      }
      const n = (counts.get(bucket) ?? 0) + 1;
      counts.set(bucket, n);
      return { allowed: n <= limit, retryAfterMs: (current + 1) * windowMs - now };
    },
    close: async () => undefined,
  };
}

// INCR and the window's expiry in one step, so a crash between the two cannot leave a counter that never expires.
const HIT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * Across replicas: a fixed-window counter in Redis (INCR + PEXPIRE), one key
 * per bucket and window. When Redis does not answer, each replica counts on
 * its own (the limit then holds per replica) rather than refusing traffic or
 * letting it through uncounted.
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
  const fallback = createLocalRateLimiter(limit, windowMs);
  return {
    async hit(bucket) {
      const now = Date.now();
      const window = Math.floor(now / windowMs);
      if (!gate.usable()) return fallback.hit(bucket);
      const command = withTimeout(redis.eval(HIT, 1, `offergate:rate:${window}:${bucket}`, String(windowMs + 1_000))).catch((error: Error) => {
        gate.failed();
        logger.warn("rate limiter: counting locally", { error: error.message });
        throw error;
      });
      try {
        // A reply later than the budget: counted here instead (the INCR may still land in Redis, counting this hit twice).
        // Before the first connection the command waits for it, so that a new replica counts in Redis from its first request.
        const answer = redis.status === "ready" ? await withinBudget(command) : { value: await command };
        if (answer) return { allowed: (answer.value as number) <= limit, retryAfterMs: (window + 1) * windowMs - now };
        gate.late(command);
        return fallback.hit(bucket);
      } catch {
        return fallback.hit(bucket);
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
