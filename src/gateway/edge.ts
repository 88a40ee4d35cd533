import type { Config } from "../shared/config";
import type { GatewayOptions } from "./gateway";
import { createLocalRateLimiter, createRedisRateLimiter, type RateLimiter } from "./rate-limit";

/**
 * The gateway's guards as configured (SEMANTICS.md, "Limits"): query limits,
 * batching, field suggestions and the rate limiter, shared across replicas
 * through Redis when REDIS_URL is set; and its cache of immutable entities.
 * Close `rateLimiter` on shutdown.
 */
export function edgeOptions(config: Config): Pick<GatewayOptions, "queryLimits" | "maxBatch" | "fieldSuggestions" | "trustProxy" | "entityCacheSize"> & {
  rateLimiter: RateLimiter;
} {
  const { limits } = config;
  return {
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
