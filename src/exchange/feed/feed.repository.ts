import type { mongo } from "mongoose";
import { groupBy } from "../../shared/group-by";
import type { NumberedEvent } from "../offer/offer.model";
import type { FeedEventModel, FeedEventRecord } from "./feed.model";

/** One offer's event, to append to the feed of the marketplace that lists the offer. */
export interface FeedAppend {
  marketplaceId: string;
  offerId: string;
  event: NumberedEvent;
}

const isDuplicateOn = (error: unknown, index: "_id" | "seq"): boolean => {
  const e = error as { code?: number; keyPattern?: Record<string, unknown>; message?: string } | null;
  if (e?.code !== 11000) return false;
  if (e.keyPattern) return index === "_id" ? "_id" in e.keyPattern : "seq" in e.keyPattern;
  return index === "_id" ? /_id_/.test(e.message ?? "") : /seq/.test(e.message ?? "");
};

/**
 * The durable per-marketplace feed. Appends are optimistic: an event takes
 * the next sequence number by inserting it under a unique (marketplace, seq)
 * index, and takes the following one when another writer got there first. So
 * an event becomes visible only after every event before it: a reader that
 * has seen seq n has seen everything up to n, and never skips one in flight.
 *
 * The log may be split into partitions (collections, see feed.layout.ts): a
 * marketplace's feed lies whole in one, chosen by a hash of its id, so every
 * rule above holds per partition; a batch or a read across feeds costs one
 * statement per partition it touches.
 */
export class FeedRepository {
  /** The last seq this process saw per marketplace: a first guess that saves a read when uncontended. */
  private readonly lastSeq = new Map<string, number>();
  private readonly partitions: readonly FeedEventModel[];

  constructor(models: FeedEventModel | readonly FeedEventModel[]) {
    this.partitions = Array.isArray(models) ? models : [models as FeedEventModel];
    if (this.partitions.length === 0) throw new Error("the feed log needs at least one partition");
  }

  /** The partition that holds this marketplace's feed. */
  private modelOf(marketplaceId: string): FeedEventModel {
    return this.partitions[this.partitions.length === 1 ? 0 : partitionOf(marketplaceId, this.partitions.length)]!;
  }

  private async readLastSeq(marketplaceId: string): Promise<number> {
    const last = await this.modelOf(marketplaceId).findOne({ marketplaceId }, { seq: 1 }).sort({ seq: -1 }).lean<FeedEventRecord>();
    return last?.seq ?? 0;
  }

  /** Appends one offer's event once: a retry of an event already in the log is a no-op. */
  async append(marketplaceId: string, offerId: string, event: NumberedEvent): Promise<FeedEventRecord | null> {
    let seq = (this.lastSeq.get(marketplaceId) ?? (await this.readLastSeq(marketplaceId))) + 1;
    for (;;) {
      const record = toRecord({ marketplaceId, offerId, event }, seq);
      try {
        await this.modelOf(marketplaceId).create(record);
        this.lastSeq.set(marketplaceId, seq);
        return record;
      } catch (error) {
        if (isDuplicateOn(error, "_id")) return null;
        if (!isDuplicateOn(error, "seq")) throw error;
        seq = (await this.readLastSeq(marketplaceId)) + 1;
      }
    }
  }

  /**
   * Appends many events, to any number of feeds, each once and each feed's
   * in the order given, in one insert per partition when nothing contends:
   * every event takes the next sequence number of its feed as this process
   * last saw it (the uncached feeds read at once), and the insert is
   * ordered, so within a feed each event is written after the one before
   * it. When that guess meets another writer's event, or an event already in
   * the log (a retry), the rest of that partition's events are appended one
   * by one, which settles both; what the batch already wrote is then found
   * by its id and not written again. Returns the events this call appended
   * (not those a retry found already there), each feed's in feed order.
   */
  async appendAll(appends: readonly FeedAppend[]): Promise<FeedEventRecord[]> {
    if (appends.length === 0) return [];
    const feeds = [...new Set(appends.map((a) => a.marketplaceId))];
    const unknown = feeds.filter((m) => !this.lastSeq.has(m));
    const read = await Promise.all(unknown.map(async (m) => [m, await this.readLastSeq(m)] as const));
    const next = new Map(feeds.map((m) => [m, this.lastSeq.get(m) ?? 0]));
    for (const [m, seq] of read) next.set(m, seq);
    const written = await Promise.all(
      [...groupBy(appends, (a) => this.modelOf(a.marketplaceId))].map(async ([model, mine]) => {
        const records = mine.map((a) => {
          const seq = next.get(a.marketplaceId)! + 1;
          next.set(a.marketplaceId, seq);
          return toRecord(a, seq);
        });
        try {
          // The driver's own insert: the records are built here, already as stored.
          await (model.collection as unknown as mongo.Collection<FeedEventRecord>).insertMany(records, { ordered: true });
          for (const r of records) this.lastSeq.set(r.marketplaceId, r.seq);
          return { records };
        } catch (error) {
          if (!isDuplicateOn(error, "_id") && !isDuplicateOn(error, "seq")) return { error };
          return { records: await this.appendOneByOne(mine) };
        }
      }),
    );
    const failed = written.find((w) => "error" in w);
    if (failed) throw failed.error;
    return written.flatMap((w) => w.records ?? []);
  }

  /** Appends each event on its own, each feed's in the order given, reading where each feed ends. */
  private async appendOneByOne(appends: readonly FeedAppend[]): Promise<FeedEventRecord[]> {
    const feeds = [...new Set(appends.map((a) => a.marketplaceId))];
    for (const m of feeds) this.lastSeq.delete(m);
    const appended = await Promise.all(
      feeds.map(async (m) => {
        const written: FeedEventRecord[] = [];
        for (const a of appends) {
          if (a.marketplaceId !== m) continue;
          const record = await this.append(a.marketplaceId, a.offerId, a.event);
          if (record) written.push(record);
        }
        return written;
      }),
    );
    return appended.flat();
  }

  /** Up to `limit` events after `afterSeq`, in feed order. */
  async after(marketplaceId: string, afterSeq: number, limit: number): Promise<FeedEventRecord[]> {
    return this.modelOf(marketplaceId)
      .find({ marketplaceId, seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<FeedEventRecord[]>();
  }

  /**
   * Up to `limit` events in all, after each feed's position, in feed order
   * within each feed (feeds one after another): one query for many feeds. Each
   * feed's events are a prefix of what it has after its position, so a reader
   * that got `limit` of them reads on from where each feed's stopped. One
   * query per partition the feeds lie in, the first `limit` of all taken in
   * the same order.
   */
  async afterEach(positions: readonly { marketplaceId: string; afterSeq: number }[], limit: number): Promise<FeedEventRecord[]> {
    if (positions.length === 0) return [];
    if (positions.length === 1) return this.after(positions[0]!.marketplaceId, positions[0]!.afterSeq, limit);
    const parts = await Promise.all(
      [...groupBy(positions, (p) => this.modelOf(p.marketplaceId))].map(([model, mine]) =>
        model
          .find({ $or: mine.map((p) => ({ marketplaceId: p.marketplaceId, seq: { $gt: p.afterSeq } })) })
          .sort({ marketplaceId: 1, seq: 1 })
          .limit(limit)
          .lean<FeedEventRecord[]>(),
      ),
    );
    if (parts.length === 1) return parts[0]!;
    const byFeedOrder = (a: FeedEventRecord, b: FeedEventRecord) =>
      a.marketplaceId < b.marketplaceId ? -1 : a.marketplaceId > b.marketplaceId ? 1 : a.seq - b.seq;
    return parts.flat().sort(byFeedOrder).slice(0, limit);
  }

  /** How many events the feed holds after `afterSeq`. */
  async countAfter(marketplaceId: string, afterSeq: number): Promise<number> {
    return this.modelOf(marketplaceId).countDocuments({ marketplaceId, seq: { $gt: afterSeq } });
  }

  async latestSeq(marketplaceId: string): Promise<number> {
    return this.readLastSeq(marketplaceId);
  }
}

/** A marketplace's partition: FNV-1a of its id, so that every process and restart finds the same. */
export function partitionOf(marketplaceId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < marketplaceId.length; i++) hash = Math.imul(hash ^ marketplaceId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % partitions;
}

const toRecord = ({ marketplaceId, offerId, event }: FeedAppend, seq: number): FeedEventRecord => ({
  _id: `${offerId}:${event.eventNo}`,
  marketplaceId,
  seq,
  type: event.type,
  offerId,
  available: event.available,
  quantity: event.quantity,
  price: event.price,
  unavailableReason: event.unavailableReason,
  occurredAt: event.occurredAt,
  ...(event.traceparent ? { traceparent: event.traceparent } : {}),
});
