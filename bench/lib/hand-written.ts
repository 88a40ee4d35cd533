/**
 * The hand-written parts that libraries replaced (the rate limiter before
 * rate-limiter-flexible, the principal's HMAC before jose), kept only for
 * `bench/libraries.ts` to measure the libraries against.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import Redis from "ioredis";
import type { RateLimiter } from "../../src/gateway/rate-limit";
import type { Principal, VerifyResult } from "../../src/shared/principal";
import { REDIS_DISCONNECT_TIMEOUT_MS, redisGate, withinBudget, withTimeout } from "../../src/shared/redis-options";

const WINDOW_MS = 60_000;

/** One process: a map of the current window's counts, cleared as windows pass. */
export function handLocalRateLimiter(limit: number, windowMs = WINDOW_MS): RateLimiter {
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
export function handRedisRateLimiter(url: string, limit: number, windowMs = WINDOW_MS): RateLimiter {
  // Commands wait for the first connection (so that a new replica counts in Redis from its first request),
  // but never long: a Redis that is down or slow makes the replica count locally.
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
  });
  redis.on("error", () => undefined);
  const gate = redisGate(url, redis);
  const fallback = handLocalRateLimiter(limit, windowMs);
  return {
    async hit(bucket) {
      const now = Date.now();
      const window = Math.floor(now / windowMs);
      if (!gate.usable()) return fallback.hit(bucket);
      const command = withTimeout(redis.eval(HIT, 1, `offergate:rate:${window}:${bucket}`, String(windowMs + 1_000))).catch((error: Error) => {
        gate.failed();
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

const MAX_AGE_MS = 5 * 60_000;
const ANONYMOUS = "ANONYMOUS";
interface Claims {
  k: Principal["kind"] | typeof ANONYMOUS;
  i: string | null;
  t: number;
}
const b64 = (s: string) => Buffer.from(s).toString("base64url");
const mac = (secret: string, payload: string) => createHmac("sha256", secret).update(payload).digest("base64url");

/** `payload.signature`, both base64url, with createHmac. */
export function handSignPrincipal(principal: Principal | null, secret: string, now = Date.now()): string {
  const claims: Claims = principal ? { k: principal.kind, i: principal.id, t: now } : { k: ANONYMOUS, i: null, t: now };
  const payload = b64(JSON.stringify(claims));
  return `${payload}.${mac(secret, payload)}`;
}

export function handVerifyPrincipal(header: string | undefined | null, secret: string, now = Date.now()): VerifyResult {
  if (header === undefined || header === null || header === "") return { ok: false, reason: "missing principal header" };
  const [payload, signature, extra] = header.split(".");
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: "malformed principal header" };
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "bad principal signature" };
  let claims: Claims;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Claims;
  } catch {
    return { ok: false, reason: "malformed principal header" };
  }
  if (typeof claims.t !== "number" || Math.abs(now - claims.t) > MAX_AGE_MS) return { ok: false, reason: "expired principal header" };
  if (claims.k === ANONYMOUS) return { ok: true, principal: null };
  if (claims.k === "ADMIN" || claims.k === "SERVICE") return { ok: true, principal: { kind: claims.k, id: null } };
  if ((claims.k === "SELLER" || claims.k === "MARKETPLACE") && typeof claims.i === "string") return { ok: true, principal: { kind: claims.k, id: claims.i } };
  return { ok: false, reason: "malformed principal" };
}
