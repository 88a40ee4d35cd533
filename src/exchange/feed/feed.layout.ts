import type { Connection } from "mongoose";
import { MAX_FEED_PARTITIONS, type FeedLayoutConfig } from "../../shared/config";
import { isDuplicateKey } from "../../shared/mongo";
import { feedCollection } from "./feed.model";

export { DATABASE_FEED_PARTITIONS, EMBEDDED_FEED_PARTITIONS, MAX_FEED_PARTITIONS } from "../../shared/config";

const LAYOUT = "feed_layout";
const LAYOUT_ID = "feed_events";

interface LayoutRecord {
  _id: string;
  partitions: number;
}

/**
 * How many collections this database's feed log is split into: fixed when
 * the database first serves the feed, and kept in `feed_layout` so that every
 * process on it (replicas, restarts) reads its feeds where they are. The
 * first process chooses `configured` (FEED_PARTITIONS) or, unset,
 * `whenUnset` (config.ts: 16 on the embedded database, 1 with MONGODB_URI);
 * the server is never asked what it is. A configured count that differs
 * from the database's, or partitions asked of a log that already holds
 * events in one collection, is refused: feeds would be read from the wrong
 * collection.
 */
export async function feedPartitions(connection: Connection, { configured, whenUnset }: FeedLayoutConfig): Promise<number> {
  for (const count of [configured, whenUnset]) {
    if (count !== undefined && !(Number.isInteger(count) && count >= 1 && count <= MAX_FEED_PARTITIONS)) {
      throw new Error(`FEED_PARTITIONS must be an integer from 1 to ${MAX_FEED_PARTITIONS}`);
    }
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
    const partitions = configured ?? whenUnset;
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
