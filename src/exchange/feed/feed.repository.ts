import type { OutboxEvent } from "../offer/offer.model";
import type { FeedEventModel, FeedEventRecord } from "./feed.model";

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
 */
export class FeedRepository {
  /** The last seq this process saw per marketplace: a first guess that saves a read when uncontended. */
  private readonly lastSeq = new Map<string, number>();

  constructor(private readonly model: FeedEventModel) {}

  private async readLastSeq(marketplaceId: string): Promise<number> {
    const last = await this.model.findOne({ marketplaceId }, { seq: 1 }).sort({ seq: -1 }).lean<FeedEventRecord>();
    return last?.seq ?? 0;
  }

  /** Appends one offer's event once: a retry of an event already in the log is a no-op. */
  async append(marketplaceId: string, offerId: string, event: OutboxEvent): Promise<FeedEventRecord | null> {
    let seq = (this.lastSeq.get(marketplaceId) ?? (await this.readLastSeq(marketplaceId))) + 1;
    for (;;) {
      const record: FeedEventRecord = {
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
      };
      try {
        await this.model.create(record);
        this.lastSeq.set(marketplaceId, seq);
        return record;
      } catch (error) {
        if (isDuplicateOn(error, "_id")) return null;
        if (!isDuplicateOn(error, "seq")) throw error;
        seq = (await this.readLastSeq(marketplaceId)) + 1;
      }
    }
  }

  /** Up to `limit` events after `afterSeq`, in feed order. */
  async after(marketplaceId: string, afterSeq: number, limit: number): Promise<FeedEventRecord[]> {
    return this.model
      .find({ marketplaceId, seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<FeedEventRecord[]>();
  }

  async latestSeq(marketplaceId: string): Promise<number> {
    return this.readLastSeq(marketplaceId);
  }
}
