/**
 * What a mutation's feed append costs on the embedded engine (jongodb), as
 * the log is laid out now and as a log split by time would write it: the
 * feed bench's mutation, 100 events for 100 feeds,
 *
 * - into 16 partitions holding `held` events between them, by the real
 *   `FeedRepository.appendAll` (today's embedded layout: one insert of
 *   about six events per partition, up to sixteen in parallel), and
 * - into segments of a log split by time, each a collection that takes
 *   `BENCH_SEGMENT` events and then gives way to a new one: one ordered
 *   insert of all 100 into the current segment, the records built as
 *   `appendAll` builds them,
 *
 * each layout in a database of its own on one server, alternating, the logs
 * growing as they would (nothing deleted), after one mutation each that is
 * not counted (the partitions' repository reads where each feed ends on its
 * first). Prints the median and p90 per mutation over `BENCH_MUTATIONS`.
 *
 *   npm run bench:build && BENCH_SEGMENT=200 node dist/bench/bench/experiments/feed-insert-cost.js
 */
import "reflect-metadata";
import mongoose, { type Connection, type mongo } from "mongoose";
import { feedEventModels, type FeedEventRecord } from "../../src/exchange/feed/feed.model";
import { FeedRepository, type FeedAppend } from "../../src/exchange/feed/feed.repository";
import { startJongodb } from "../../src/shared/embedded-mongo";
import { quantile } from "../lib/client";

const MUTATIONS = Number(process.env.BENCH_MUTATIONS ?? 20);
const FEEDS = 100;
const SEGMENT = Number(process.env.BENCH_SEGMENT ?? 500);

interface Layout {
  name: string;
  append(appends: FeedAppend[]): Promise<number>;
  /** Work between two mutations, not timed. */
  between?(): Promise<void>;
  times: number[];
}

let eventNo = 0;
/** One mutation's appends: an UPDATED event of a new offer in each of the 100 feeds. */
function mutation(): FeedAppend[] {
  eventNo++;
  return Array.from({ length: FEEDS }, (_, m) => ({
    marketplaceId: `market-${m}`,
    offerId: `offer-${m}-${eventNo}`,
    event: { eventNo: 1, type: "UPDATED", available: true, quantity: 5, price: 1000, unavailableReason: null, occurredAt: new Date() },
  }));
}

async function connect(uri: string, dbName: string): Promise<Connection> {
  return mongoose.createConnection(uri, { dbName }).asPromise();
}

/** Today's layout: 16 partitions, filled through the repository with `held` events first. */
async function partitioned(uri: string, held: number): Promise<Layout> {
  const models = feedEventModels(await connect(uri, `partitions_${held}`), 16);
  for (const model of models) await model.createIndexes();
  const repository = new FeedRepository(models);
  for (let i = 0; i < held / FEEDS; i++) await repository.appendAll(mutation());
  return {
    name: `16 partitions, ${held.toLocaleString("en")} events in the log before`,
    append: async (appends) => (await repository.appendAll(appends)).length,
    times: [],
  };
}

/**
 * A log split by time: one collection per `SEGMENT` events, written by one
 * ordered insert per mutation, each feed's numbers going on across segments
 * (as `appendAll` writes a partition when nothing contends); the next
 * segment is made (with its index) once the current one is full, before the
 * next mutation, as a writer would make it ahead of need.
 */
async function segmented(uri: string, held: number): Promise<Layout> {
  const connection = await connect(uri, `segments_${held}`);
  const schema = feedEventModels(connection, 1)[0]!.schema;
  const lastSeq = new Map<string, number>();
  let segments = 0;
  let inSegment = 0;
  const next = async () => {
    const model = connection.model<FeedEventRecord>(`Segment${segments}`, schema, `feed_segment_${segments}`);
    await model.createIndexes();
    segments++;
    inSegment = 0;
    return model.collection as unknown as mongo.Collection<FeedEventRecord>;
  };
  let segment = await next();
  const layout: Layout = {
    name: `segments of ${SEGMENT} events, ${held.toLocaleString("en")} events in the log before`,
    append: async (appends) => {
      const records = appends.map(({ marketplaceId, offerId, event }): FeedEventRecord => {
        const seq = (lastSeq.get(marketplaceId) ?? 0) + 1;
        lastSeq.set(marketplaceId, seq);
        const { type, available, quantity, price, unavailableReason, occurredAt } = event;
        return { _id: `${offerId}:${event.eventNo}`, marketplaceId, seq, type, offerId, available, quantity, price, unavailableReason, occurredAt };
      });
      inSegment += records.length;
      return (await segment.insertMany(records, { ordered: true })).insertedCount;
    },
    between: async () => {
      if (inSegment >= SEGMENT) segment = await next();
    },
    times: [],
  };
  for (let i = 0; i < held / FEEDS; i++) {
    await layout.append(mutation());
    await layout.between!();
  }
  return layout;
}

async function main(): Promise<void> {
  mongoose.set("autoCreate", false);
  const server = await startJongodb();
  try {
    const layouts = [
      await partitioned(server.uri, 0),
      await segmented(server.uri, 0),
      await partitioned(server.uri, 2_400),
      await segmented(server.uri, 2_400),
      await partitioned(server.uri, 9_600),
      await segmented(server.uri, 9_600),
    ];
    for (let round = -1; round < MUTATIONS; round++) {
      for (const l of layouts) {
        const started = process.hrtime.bigint();
        const appended = await l.append(mutation());
        if (round >= 0) l.times.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (appended !== FEEDS) throw new Error(`${l.name}: appended ${appended} of ${FEEDS}`);
        await l.between?.();
      }
    }
    console.log(`One mutation's ${FEEDS} feed events on jongodb, ${MUTATIONS} mutations per layout, alternating:`);
    console.log("| layout | inserts a mutation | median ms | p90 ms |");
    console.log("| --- | --- | --- | --- |");
    for (const l of layouts) {
      const inserts = l.name.startsWith("16") ? "up to 16" : "1";
      console.log(`| ${l.name} | ${inserts} | ${quantile(l.times, 0.5).toFixed(1)} | ${quantile(l.times, 0.9).toFixed(1)} |`);
    }
  } finally {
    await mongoose.disconnect();
    await server.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
