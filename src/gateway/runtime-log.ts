import { Logger, type LogLevel as HiveLevel, type LogWriter } from "@graphql-hive/logger";
import { CLIENT_ERROR_CODES, ENGINE_CLIENT_CODES } from "../shared/error-codes";
import { logger, logLevel, logs } from "../shared/logger";

/**
 * Keys that carry a client's query or its variables (the query again in a GraphQL error's `source`),
 * a result's data (which can hold an API key just issued) or headers (keys, signed principals): never logged.
 */
const STRIPPED = new Set(["query", "variables", "document", "body", "source", "params", "data", "headers", "authorization"]);

const MAX_DEPTH = 5;
const MAX_ITEMS = 20;
const MAX_STRING = 2_000;

interface Found {
  code?: string;
}

/**
 * A copy of a runtime log's attributes fit for our lines: no query texts nor
 * variables, stacks only at debug, bounded in depth and size; notes the first
 * GraphQL error code met on the way.
 */
export function sanitize(value: unknown, found: Found = {}, depth = 0, withStacks = logs("debug")): unknown {
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (value === null || typeof value !== "object") return typeof value === "function" || typeof value === "symbol" ? undefined : value;
  if (depth >= MAX_DEPTH) return "[…]";
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => sanitize(v, found, depth + 1, withStacks));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (STRIPPED.has(key) || (key === "stack" && !withStacks)) continue;
    if (key === "extensions" && v && typeof v === "object") {
      const code = (v as { code?: unknown }).code;
      if (typeof code === "string" && found.code === undefined) found.code = code;
    }
    out[key] = sanitize(v, found, depth + 1, withStacks);
  }
  return out;
}

/** Whether an error the runtime reports is the client's (a bad key, a rate limit, an invalid query): ours to log at debug, not at error. */
const clientsFault = (code: string | undefined) => code !== undefined && (CLIENT_ERROR_CODES.has(code) || ENGINE_CLIENT_CODES.has(code)) && code !== "SERVICE_UNAVAILABLE";

const HIVE_LEVELS = new Set(["trace", "debug", "info", "warn", "error"]);

/** Writes the runtime's lines through our logger: the same JSON lines, on stdout, at the same LOG_LEVEL. */
export const runtimeWriter: LogWriter = {
  write(level: HiveLevel, attrs, msg) {
    const found: Found = {};
    const clean = attrs ? sanitize(attrs, found) : undefined;
    const fields: Record<string, unknown> = { source: "runtime" };
    if (Array.isArray(clean)) fields.attrs = clean;
    else if (clean && typeof clean === "object") Object.assign(fields, clean, { source: "runtime" });
    const message = msg ?? "runtime";
    const as = clientsFault(found.code) && (level === "error" || level === "warn") ? "debug" : level === "trace" ? "debug" : level;
    logger[as](message, fields);
  },
};

/**
 * The Hive Gateway runtime's own logger (its `logging` option), writing
 * through ours. Its level follows LOG_LEVEL as it is when a line is written;
 * `silent` turns it off.
 */
export function runtimeLogger(): Logger {
  // Hive's Logger reads LOG_LEVEL itself, at every logger and child logger it makes, and throws on
  // ours that are not its own ("silent"): our configuration has read it already, and is the one to follow.
  if (process.env.LOG_LEVEL !== undefined && !HIVE_LEVELS.has(process.env.LOG_LEVEL)) delete process.env.LOG_LEVEL;
  return new Logger({
    level: () => {
      const level = logLevel();
      return level === "silent" ? false : level;
    },
    writers: [runtimeWriter],
  });
}
