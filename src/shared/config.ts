import { z } from "zod";

/**
 * The only reader of `process.env`. Every variable is validated at start-up;
 * all problems are reported at once, each naming its variable.
 */
const bool = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().min(1);

/** The feed log's collections on the embedded database (FEED_PARTITIONS unset, no MONGODB_URI): its writes cost in proportion to a collection's size. */
export const EMBEDDED_FEED_PARTITIONS = 16;
/** ...and with MONGODB_URI: one collection, the production layout (a real MongoDB's writes do not slow with a collection's size). */
export const DATABASE_FEED_PARTITIONS = 1;
export const MAX_FEED_PARTITIONS = 64;

/** `https://app.example.com` or `http://localhost:3000`: a scheme, a host and maybe a port, nothing else. */
const isOrigin = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
};

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  // Loopback unless told otherwise: every port (the gateway's, and each subgraph's) is private until HOST opens it.
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: port.default(4000),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, "must be a mongodb:// or mongodb+srv:// URI")
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL").optional(),
  ADMIN_API_KEY: z.string().min(24, "must be at least 24 characters").optional(),
  INTERNAL_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  MAX_FORWARD_DEPTH: positiveInt.max(32).default(3),
  FEED_SWEEP_INTERVAL_MS: positiveInt.default(2_000),
  FEED_POLL_MS: positiveInt.default(2_000),
  // Collections a new database's feed log is split into, then fixed (src/exchange/feed/feed.layout.ts); unset: 16 on the embedded database, 1 with MONGODB_URI.
  FEED_PARTITIONS: z.coerce.number().int().min(1).max(MAX_FEED_PARTITIONS).optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  INTROSPECTION: bool.optional(),
  // Pages for people: the GraphQL IDE at GET /graphql (browsers) and the offer explorer at GET /; on by default outside production.
  IDE: bool.optional(),
  EXPLORER: bool.optional(),
  // "Did you mean ...?" in validation errors: on by default, off in production (it maps the schema).
  FIELD_SUGGESTIONS: bool.optional(),
  // Web origins (scheme://host[:port], comma-separated) whose pages may call the gateway; none when unset.
  CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(",").map((o) => o.trim()).filter(Boolean))
    .refine((origins) => origins.every(isOrigin), "must be origins such as https://app.example.com, comma-separated")
    .default(""),
  // Behind a reverse proxy: rate-limit anonymous clients by the last X-Forwarded-For address.
  TRUST_PROXY: bool.default("false"),
  // Separate-process mode: where each subgraph listens, and where the gateway finds it.
  ACCOUNTS_PORT: port.default(4001),
  CATALOG_PORT: port.default(4002),
  EXCHANGE_PORT: port.default(4003),
  ACCOUNTS_URL: z.string().url().optional(),
  CATALOG_URL: z.string().url().optional(),
  EXCHANGE_URL: z.string().url().optional(),
  // The standalone gateway's supergraph: a file (watched; default the committed schema/supergraph.graphql), or composed from the subgraphs' SDL.
  SUPERGRAPH_PATH: z.string().min(1).optional(),
  SUBGRAPH_URLS: z
    .string()
    .transform((v, ctx) => {
      const urls: Record<string, string> = {};
      for (const part of v.split(",").map((p) => p.trim()).filter(Boolean)) {
        const [name, url] = [part.slice(0, part.indexOf("=")), part.slice(part.indexOf("=") + 1)];
        if (!/^[a-z][a-z0-9_]*$/i.test(name) || !z.string().url().safeParse(url).success) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${part}" is not name=url` });
          return z.NEVER;
        }
        urls[name] = url;
      }
      if (Object.keys(urls).length === 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: "must list name=url pairs" });
      return urls;
    })
    .optional(),
  // How often the subgraphs' SDL is fetched again (SUBGRAPH_URLS) and the supergraph recomposed when it changed.
  SUPERGRAPH_POLL_MS: positiveInt.default(10_000),
  // Gateway limits (SEMANTICS.md, "Limits").
  MAX_DEPTH: positiveInt.default(15),
  MAX_ALIASES: positiveInt.default(50),
  MAX_TOKENS: positiveInt.default(10_000),
  MAX_COST: positiveInt.default(50_000),
  MAX_BODY_BYTES: positiveInt.default(1_048_576),
  MAX_BATCH: positiveInt.default(10),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(1200),
  SUBSCRIPTION_BUFFER: positiveInt.default(100),
  SUBSCRIPTION_STALL_MS: positiveInt.default(30_000),
  // Live resources (docs/reference.md): WebSockets per client address, subscriptions per socket and per key (account).
  MAX_SOCKETS_PER_ADDRESS: positiveInt.default(256),
  MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt.default(100),
  MAX_SUBSCRIPTIONS_PER_KEY: positiveInt.default(1_000),
  // How often a WebSocket is pinged; one that neither answers nor is behind on reading is dropped.
  WS_KEEPALIVE_MS: positiveInt.default(12_000),
  // Immutable entities (sellers, marketplaces' accounts, products) the gateway remembers; 0: none.
  ENTITY_CACHE_SIZE: z.coerce.number().int().min(0).default(100_000),
  // Webhooks (SEMANTICS.md, "Webhooks").
  WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
  WEBHOOK_RETRY_BASE_MS: positiveInt.default(1_000),
  WEBHOOK_RETRY_MAX_MS: positiveInt.default(300_000),
  WEBHOOK_MAX_FAILURES: positiveInt.default(50),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.default("false"),
  // How long a replica holds a webhook without renewing; another takes it over after (plus one poll).
  WEBHOOK_LEASE_MS: positiveInt.min(1_000).max(25_000).default(15_000),
  WEBHOOK_POLL_MS: positiveInt.max(5_000).default(2_000),
  // CSV imports (SEMANTICS.md, "Bulk work"): the file's limits, and how long a process holds an
  // import it runs before another may take it over (after a crash), and how often idle ones look.
  IMPORT_MAX_BYTES: positiveInt.default(50 * 1024 * 1024),
  IMPORT_MAX_LINES: positiveInt.default(200_000),
  IMPORT_LEASE_MS: positiveInt.min(100).default(30_000),
  IMPORT_POLL_MS: positiveInt.default(1_000),
  // Lines stored and applied together (one submitOffers call each).
  IMPORT_CHUNK_LINES: positiveInt.max(1000).default(1000),
  // Traces, by OTLP over HTTP to this base URL (a collector's :4318); unset: tracing is off.
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//.test(v), "must be an http:// or https:// URL")
    .optional(),
  // The service name spans carry (default: offergate, or offergate-<part> for a separate process).
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

export type Env = z.infer<typeof schema>;

/** Every variable offergate reads (deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface Config {
  env: Env["NODE_ENV"];
  host: string;
  port: number;
  mongodbUri?: string;
  redisUrl?: string;
  adminApiKey?: string;
  internalSecret?: string;
  maxForwardDepth: number;
  /** How often the exchange looks for feed events a crash left in outboxes. */
  feedSweepIntervalMs: number;
  /** How often the exchange reads a feed with subscribers when no doorbell rang (a lost ring, or no Redis between replicas). */
  feedPollMs: number;
  /** How the feed log is laid out on a new database; chosen by configuration, never by asking the server what it is. */
  feedLayout: FeedLayoutConfig;
  logLevel: Env["LOG_LEVEL"];
  introspection: boolean;
  /** The GraphQL IDE (GET /graphql from a browser) and the offer explorer (GET /). */
  pages: { ide: boolean; explorer: boolean };
  fieldSuggestions: boolean;
  trustProxy: boolean;
  /** Origins allowed to call the gateway from a browser (CORS); empty: none. */
  corsOrigins: string[];
  subgraphPorts: { accounts: number; catalog: number; exchange: number };
  subgraphUrls: { accounts?: string; catalog?: string; exchange?: string };
  /** The standalone gateway's supergraph file (unset: the committed one). */
  supergraphPath?: string;
  /** Subgraphs by name whose SDL the standalone gateway composes (instead of a file). */
  supergraphSubgraphs?: Record<string, string>;
  supergraphPollMs: number;
  limits: {
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxCost: number;
    maxBodyBytes: number;
    maxBatch: number;
    ratePerMinute: number;
    /** Results one subscription may hold at the gateway, and how long its client may take none of them before it is cut off. */
    subscriptionBuffer: number;
    subscriptionStallMs: number;
    maxSocketsPerAddress: number;
    maxSubscriptionsPerSocket: number;
    maxSubscriptionsPerKey: number;
    wsKeepAliveMs: number;
  };
  /** Immutable entities the gateway remembers (0: none). */
  entityCacheSize: number;
  webhooks: {
    timeoutMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
    maxFailures: number;
    /** Loopback, private and link-local targets allowed (development and tests only). */
    allowPrivateTargets: boolean;
    leaseMs: number;
    pollMs: number;
  };
  imports: { maxBytes: number; maxLines: number; chunkLines: number; leaseMs: number; pollMs: number };
  /** OTLP/HTTP traces: where to (unset: off), and under which service name. */
  tracing: { endpoint?: string; serviceName?: string };
}

export interface FeedLayoutConfig {
  /** FEED_PARTITIONS when set: a database whose log is laid out otherwise is refused. */
  configured?: number;
  /** A new database's count when FEED_PARTITIONS is unset (a database already laid out keeps its own). */
  whenUnset: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Parses an environment (process.env by default) into a Config, or throws ConfigError listing every bad variable. */
export function loadConfig(
  source: NodeJS.ProcessEnv = process.env,
  /** `npm start`: without MONGODB_URI it would run on an in-memory database, which production must never do. */
  options: { databaseRequiredInProduction?: boolean } = {},
): Config {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== "")),
  );
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`);
  if (source.NODE_ENV === "production") {
    for (const name of ["ADMIN_API_KEY", "INTERNAL_SECRET"]) {
      if (!source[name]) problems.push(`${name}: required when NODE_ENV=production`);
    }
    if (options.databaseRequiredInProduction && !source.MONGODB_URI) {
      problems.push("MONGODB_URI: required when NODE_ENV=production (without it the service runs on an in-memory database and loses every write when it stops)");
    }
  }
  if (source.SUPERGRAPH_PATH && source.SUBGRAPH_URLS) problems.push("SUPERGRAPH_PATH: not with SUBGRAPH_URLS (one source of the supergraph)");
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    mongodbUri: e.MONGODB_URI,
    redisUrl: e.REDIS_URL,
    adminApiKey: e.ADMIN_API_KEY,
    internalSecret: e.INTERNAL_SECRET,
    maxForwardDepth: e.MAX_FORWARD_DEPTH,
    feedSweepIntervalMs: e.FEED_SWEEP_INTERVAL_MS,
    feedPollMs: e.FEED_POLL_MS,
    feedLayout: { configured: e.FEED_PARTITIONS, whenUnset: e.MONGODB_URI ? DATABASE_FEED_PARTITIONS : EMBEDDED_FEED_PARTITIONS },
    logLevel: e.LOG_LEVEL,
    introspection: e.INTROSPECTION ?? e.NODE_ENV !== "production",
    pages: { ide: e.IDE ?? e.NODE_ENV !== "production", explorer: e.EXPLORER ?? e.NODE_ENV !== "production" },
    fieldSuggestions: e.FIELD_SUGGESTIONS ?? e.NODE_ENV !== "production",
    trustProxy: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS,
    subgraphPorts: { accounts: e.ACCOUNTS_PORT, catalog: e.CATALOG_PORT, exchange: e.EXCHANGE_PORT },
    subgraphUrls: { accounts: e.ACCOUNTS_URL, catalog: e.CATALOG_URL, exchange: e.EXCHANGE_URL },
    supergraphPath: e.SUPERGRAPH_PATH,
    supergraphSubgraphs: e.SUBGRAPH_URLS,
    supergraphPollMs: e.SUPERGRAPH_POLL_MS,
    limits: {
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxTokens: e.MAX_TOKENS,
      maxCost: e.MAX_COST,
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxBatch: e.MAX_BATCH,
      ratePerMinute: e.RATE_LIMIT_PER_MINUTE,
      subscriptionBuffer: e.SUBSCRIPTION_BUFFER,
      subscriptionStallMs: e.SUBSCRIPTION_STALL_MS,
      maxSocketsPerAddress: e.MAX_SOCKETS_PER_ADDRESS,
      maxSubscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSubscriptionsPerKey: e.MAX_SUBSCRIPTIONS_PER_KEY,
      wsKeepAliveMs: e.WS_KEEPALIVE_MS,
    },
    entityCacheSize: e.ENTITY_CACHE_SIZE,
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      maxFailures: e.WEBHOOK_MAX_FAILURES,
      allowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      leaseMs: e.WEBHOOK_LEASE_MS,
      pollMs: e.WEBHOOK_POLL_MS,
    },
    imports: { maxBytes: e.IMPORT_MAX_BYTES, maxLines: e.IMPORT_MAX_LINES, chunkLines: e.IMPORT_CHUNK_LINES, leaseMs: e.IMPORT_LEASE_MS, pollMs: e.IMPORT_POLL_MS },
    tracing: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME },
  };
}
