import mongoose, { type Connection, type Model } from "mongoose";
import { countCommands } from "./db-metrics";

// The embedded server has no `create` command: collections come into being on
// first write, and indexes are built explicitly by `ensureIndexes`.
mongoose.set("autoCreate", false);
mongoose.set("autoIndex", false);
mongoose.set("strictQuery", true);

/** One connection per subgraph, so each owns its models even when they share a process. */
export async function connectMongo(uri: string, appName: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    appName,
    serverSelectionTimeoutMS: 5_000,
    maxPoolSize: 50,
  });
  countCommands(connection);
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
export async function pingMongo(connection: Connection, timeoutMs = 1_000): Promise<boolean> {
  if (connection.readyState !== 1 || !connection.db) return false;
  try {
    await Promise.race([
      connection.db.admin().command({ ping: 1 }),
      new Promise((_, reject) => setTimeout(() => reject(new Error("ping timeout")), timeoutMs)),
    ]);
    return true;
  } catch {
    return false;
  }
}

export const isDuplicateKey = (error: unknown): boolean => (error as { code?: number } | null)?.code === 11000;
