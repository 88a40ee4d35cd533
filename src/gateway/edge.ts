import type { Config } from "../shared/config";
import type { GatewayOptions } from "./gateway";
import type { GatewayServerOptions } from "./http-server";
import { LiveSessions } from "./subscriptions";
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
  "queryLimits" | "maxBatch" | "fieldSuggestions" | "trustProxy" | "entityCacheSize" | "introspection" | "subscriptions"
> & {
  rateLimiter: RateLimiter;
  /** Shared by the gateway (SSE) and its server (WebSockets): pass it to both. */
  liveSessions: LiveSessions;
} {
  const { limits } = config;
  return {
    introspection: config.introspection,
    subscriptions: { maxBuffered: limits.subscriptionBuffer, stallMs: limits.subscriptionStallMs },
    queryLimits: { maxDepth: limits.maxDepth, maxAliases: limits.maxAliases, maxTokens: limits.maxTokens, maxCost: limits.maxCost },
    maxBatch: limits.maxBatch,
    fieldSuggestions: config.fieldSuggestions,
    trustProxy: config.trustProxy,
    entityCacheSize: config.entityCacheSize,
    liveSessions: new LiveSessions({
      maxSocketsPerAddress: limits.maxSocketsPerAddress,
      maxSubscriptionsPerSocket: limits.maxSubscriptionsPerSocket,
      maxSubscriptionsPerKey: limits.maxSubscriptionsPerKey,
    }),
    rateLimiter: config.redisUrl
      ? createRedisRateLimiter(config.redisUrl, limits.ratePerMinute)
      : createLocalRateLimiter(limits.ratePerMinute),
  };
}

/** The gateway server's own limits as configured: request body size, how far a client may fall behind a shared subscription, and the web origins allowed in. */
export function serverLimits(
  config: Config,
): Pick<GatewayServerOptions, "maxBodyBytes" | "subscriptionBuffer" | "keepAliveMs" | "subscriptionStallMs" | "trustProxy" | "corsOrigins"> {
  const { limits } = config;
  return {
    maxBodyBytes: limits.maxBodyBytes,
    subscriptionBuffer: limits.subscriptionBuffer,
    keepAliveMs: limits.wsKeepAliveMs,
    subscriptionStallMs: limits.subscriptionStallMs,
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
  };
}
