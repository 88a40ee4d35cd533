import type { Config } from "../shared/config";
import type { GatewayOptions } from "./gateway";
import type { GatewayServerOptions } from "./http-server";
import { createLocalRateLimiter, createRedisRateLimiter, type RateLimiter } from "./rate-limit";

/**
 * The gateway's guards as configured (SEMANTICS.md, "Limits"): query limits,
 * batching, field suggestions, subscription buffers and the rate limiter,
 * shared across replicas through Redis when REDIS_URL is set; introspection,
 * logging and its cache of immutable entities. Close `rateLimiter` on shutdown.
 */
export function edgeOptions(
  config: Config,
): Pick<
  GatewayOptions,
  "queryLimits" | "maxBatch" | "fieldSuggestions" | "trustProxy" | "entityCacheSize" | "introspection" | "logLevel" | "subscriptions"
> & {
  rateLimiter: RateLimiter;
} {
  const { limits } = config;
  return {
    introspection: config.introspection,
    logLevel: config.logLevel,
    subscriptions: { maxBuffered: limits.subscriptionBuffer, stallMs: limits.subscriptionStallMs },
    queryLimits: { maxDepth: limits.maxDepth, maxAliases: limits.maxAliases, maxTokens: limits.maxTokens, maxCost: limits.maxCost },
    maxBatch: limits.maxBatch,
    fieldSuggestions: config.fieldSuggestions,
    trustProxy: config.trustProxy,
    entityCacheSize: config.entityCacheSize,
    rateLimiter: config.redisUrl
      ? createRedisRateLimiter(config.redisUrl, limits.ratePerMinute)
      : createLocalRateLimiter(limits.ratePerMinute),
  };
}

/** The gateway server's own limits as configured: request body size, and how far a client may fall behind a shared subscription. */
export function serverLimits(config: Config): Pick<GatewayServerOptions, "maxBodyBytes" | "subscriptionBuffer"> {
  return { maxBodyBytes: config.limits.maxBodyBytes, subscriptionBuffer: config.limits.subscriptionBuffer };
}
