import mongoose, { type Connection, type Model } from "mongoose";
import { countCommands } from "./db-metrics";
import { oneValueInAsEquality } from "./mongo-equality";
import { traceDatabase } from "./tracing";

// The embedded server has no `create` command: collections come into being on
// first write, and indexes are built explicitly by `ensureIndexes`.
mongoose.set("autoCreate", false);
mongoose.set("autoIndex", false);
mongoose.set("strictQuery", true);
mongoose.plugin(oneValueInAsEquality);

/**
 * Timeouts on every database call, so that a database that is down or cut
 * off fails a request fast (SERVICE_UNAVAILABLE) instead of holding it:
 * finding a server to send to, connecting, waiting for a pooled connection,
 * and the answer on an open socket. The last one is generous: a write cut
 * off by the client may still have been applied, and the embedded server's
 * writes grow slow on big collections (docs/decisions.md).
 */
export const MONGO_TIMEOUTS = {
  serverSelectionTimeoutMS: 2_000,
  connectTimeoutMS: 2_000,
  waitQueueTimeoutMS: 10_000,
  socketTimeoutMS: 30_000,
} as const;

/** One connection per subgraph, so each owns its models even when they share a process. */
export async function connectMongo(uri: string, appName: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    appName,
    ...MONGO_TIMEOUTS,
    maxPoolSize: 50,
  });
  countCommands(connection);
  traceDatabase(connection);
  await connection.asPromise();
  return connection;
}

/**
 * Builds every index a subgraph declares. Without this the unique indexes that
 * several rules rest on would be silently missing.
 */
export async function ensureIndexes(models: Model<any>[]): Promise<void> {
  for (const model of models) await model.createIndexes();
}

/** True when the database answers a ping within the timeout. */
export async function pingMongo(connection: Connection, timeoutMs = 500): Promise<boolean> {
  if (connection.readyState !== 1 || !connection.db) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.db.admin().command({ ping: 1 }),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("ping timeout")), timeoutMs))),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export const isDuplicateKey = (error: unknown): boolean => (error as { code?: number } | null)?.code === 11000;

/**
 * True when a bulk write failed on duplicate keys only. MongoDB applies an
 * unordered batch's other writes and lists each duplicate in `writeErrors`;
 * the embedded server refuses the whole batch with one duplicate-key error.
 * Either way the caller must find out which of its writes went in.
 */
export function failedOnDuplicateKeysOnly(error: unknown): boolean {
  const failed = (error as { writeErrors?: { code?: number }[] | { code?: number } } | null)?.writeErrors;
  const errors = Array.isArray(failed) ? failed : failed ? [failed] : [];
  return errors.length > 0 ? errors.every((e) => e.code === 11000) : isDuplicateKey(error);
}
