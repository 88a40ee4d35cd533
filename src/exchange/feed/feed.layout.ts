import type { Connection } from "mongoose";
import { isDuplicateKey } from "../../shared/mongo";
import { feedCollection } from "./feed.model";

/** Partitions of the feed log on the embedded engine, whose every write costs in proportion to its collection. */
export const EMBEDDED_FEED_PARTITIONS = 16;
export const MAX_FEED_PARTITIONS = 64;

const LAYOUT = "feed_layout";
const LAYOUT_ID = "feed_events";

interface LayoutRecord {
  _id: string;
  partitions: number;
}

/** True when the server is jongodb, the embedded engine (its build info says so). */
async function isJongodb(connection: Connection): Promise<boolean> {
  const info = (await connection.db!.admin().command({ buildInfo: 1 })) as { gitVersion?: string; version?: string };
  return info.gitVersion === "jongodb" || /jongodb/.test(info.version ?? "");
}

/**
 * How many collections this database's feed log is split into: fixed when
 * the database first serves the feed, and kept in `feed_layout` so that every
 * process on it (replicas, restarts) reads its feeds where they are. The
 * first process chooses `configured` (FEED_PARTITIONS) or, unset, 16 on the
 * embedded engine and 1 on MongoDB. A configured count that differs from the
 * database's, or partitions asked of a log that already holds events in one
 * collection, is refused: feeds would be read from the wrong collection.
 */
export async function feedPartitions(connection: Connection, configured?: number): Promise<number> {
  if (configured !== undefined && !(Number.isInteger(configured) && configured >= 1 && configured <= MAX_FEED_PARTITIONS)) {
    throw new Error(`FEED_PARTITIONS must be an integer from 1 to ${MAX_FEED_PARTITIONS}`);
  }
  const layouts = connection.db!.collection<LayoutRecord>(LAYOUT);
  for (;;) {
    const stored = await layouts.findOne({ _id: LAYOUT_ID });
    if (stored) {
      if (configured !== undefined && configured !== stored.partitions) {
        throw new Error(`FEED_PARTITIONS is ${configured}, but this database's feed log has ${stored.partitions} partition${stored.partitions === 1 ? "" : "s"}`);
      }
      return stored.partitions;
    }
    const partitions = configured ?? ((await isJongodb(connection)) ? EMBEDDED_FEED_PARTITIONS : 1);
    if (partitions > 1 && (await connection.db!.collection(feedCollection(0)).findOne({}, { projection: { _id: 1 } }))) {
      throw new Error(`this database's feed log already holds events in one collection: it cannot be split into ${partitions}`);
    }
    try {
      await layouts.insertOne({ _id: LAYOUT_ID, partitions });
      return partitions;
    } catch (error) {
      // Another process chose first: read its choice.
      if (!isDuplicateKey(error)) throw error;
    }
  }
}
