import { randomUUID } from "node:crypto";
import type { mongo, QueryFilter } from "mongoose";
import { groupBy } from "../../shared/group-by";
import { failedOnDuplicateKeysOnly, isDuplicateKey } from "../../shared/mongo";
import type { Page } from "../../shared/pagination";
import type { OfferStatus } from "../rules/types";
import type { OfferModel, OfferRecord } from "./offer.model";

export interface OfferFilter {
  status?: OfferStatus | null;
  available?: boolean | null;
  productId?: string | null;
  sellerId?: string | null;
  marketplaceId?: string | null;
}

/** One compare-and-set write: applies `set` and `inc` only if the offer is still at `rev` (which it moves on by one). */
export interface OfferWrite {
  id: string;
  rev: number;
  set: Partial<OfferRecord>;
  inc?: Partial<Record<"version" | "eventCount", number>>;
  /** The offer as this write leaves it: announced to live screens when the write raises its version. */
  result?: OfferRecord;
}

/** Told of offers that were just inserted or given a new version, as written. */
export type OfferChangeListener = (records: OfferRecord[]) => void;

function toQuery(filter: OfferFilter): QueryFilter<OfferRecord> {
  const q: QueryFilter<OfferRecord> = {};
  if (filter.status != null) q.status = filter.status;
  if (filter.available != null) q.available = filter.available;
  if (filter.productId != null) q.productId = filter.productId;
  if (filter.sellerId != null) q.sellerId = filter.sellerId;
  if (filter.marketplaceId != null) q.marketplaceId = filter.marketplaceId;
  return q;
}

/** Offers: the only place that touches the `offers` collection. */
export class OfferRepository {
  constructor(
    private readonly model: OfferModel,
    private readonly onChange: OfferChangeListener = () => undefined,
  ) {}

  /** The winners of a compareAndSet whose write raised the version. */
  private changed(writes: readonly OfferWrite[], won: Set<string>): Set<string> {
    this.onChange(writes.filter((w) => w.inc?.version && w.result && won.has(w.id)).map((w) => w.result!));
    return won;
  }

  /** The driver's collection, for the hot bulk writes: their documents are built here and by the reconciler, already as stored. */
  private get collection(): mongo.Collection<OfferRecord> {
    return this.model.collection as unknown as mongo.Collection<OfferRecord>;
  }

  async findByIds(ids: readonly string[]): Promise<OfferRecord[]> {
    if (ids.length === 0) return [];
    return this.model.find({ _id: { $in: [...new Set(ids)] } }).lean<OfferRecord[]>();
  }

  async findById(id: string): Promise<OfferRecord | null> {
    return this.model.findById(id).lean<OfferRecord>();
  }

  async findByKeys(keys: readonly string[]): Promise<OfferRecord[]> {
    if (keys.length === 0) return [];
    return this.model.find({ key: { $in: [...new Set(keys)] } }).lean<OfferRecord[]>();
  }

  /** Inserts a new offer; false when one with the same key already exists. */
  async insert(record: OfferRecord): Promise<boolean> {
    try {
      await this.model.create(record);
      this.onChange([record]);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /**
   * Inserts new offers in one statement (one costs about as much as a single
   * insert on the embedded server); returns the ids inserted. An offer whose
   * key already exists (a concurrent submit) is left out, the others still go
   * in: after a duplicate, those the batch did not write (MongoDB writes all
   * but the duplicates, the embedded server none) are inserted one by one.
   */
  async insertMany(records: readonly OfferRecord[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    let inserted: OfferRecord[];
    try {
      await this.collection.insertMany(records as OfferRecord[], { ordered: false });
      inserted = [...records];
    } catch (error) {
      if (!failedOnDuplicateKeysOnly(error)) throw error;
      const written = await this.model.find({ _id: { $in: records.map((r) => r._id) } }, { _id: 1 }).lean<{ _id: string }[]>();
      const present = new Set(written.map((r) => r._id));
      const alone = await Promise.all(
        records.map(async (r) => {
          if (present.has(r._id)) return true;
          try {
            await this.collection.insertOne(r);
            return true;
          } catch (e) {
            if (isDuplicateKey(e)) return false;
            throw e;
          }
        }),
      );
      inserted = records.filter((_, i) => alone[i]);
    }
    // New offers reach live screens as the single insert's do.
    if (inserted.length) this.onChange(inserted);
    return new Set(inserted.map((r) => r._id));
  }

  /** Offers whose availability reads any of these (owner, product) stock levels, in one query. */
  async dependingOnStocks(levels: readonly { ownerId: string; productId: string }[]): Promise<OfferRecord[]> {
    if (levels.length === 0) return [];
    const owners = [...new Set(levels.map((l) => l.ownerId))];
    const wanted = new Set(levels.map((l) => `${l.ownerId}:${l.productId}`));
    const rows = await this.model
      .find({
        productId: { $in: [...new Set(levels.map((l) => l.productId))] },
        $or: [{ sellerId: { $in: owners }, depth: 0 }, { viaId: { $in: owners } }],
      })
      .lean<OfferRecord[]>();
    // The query matches owners and products crosswise; keep the pairs asked for.
    return rows.filter((o) => wanted.has(`${o.depth === 0 ? o.sellerId : o.viaId}:${o.productId}`));
  }

  /** The ACTIVE offers of each (marketplace, product) pair, in one query. */
  async activeAtMany(pairs: readonly { marketplaceId: string; productId: string }[]): Promise<OfferRecord[]> {
    if (pairs.length === 0) return [];
    const wanted = new Set(pairs.map((p) => `${p.marketplaceId}:${p.productId}`));
    const rows = await this.model
      .find({
        marketplaceId: { $in: [...new Set(pairs.map((p) => p.marketplaceId))] },
        productId: { $in: [...new Set(pairs.map((p) => p.productId))] },
        status: "ACTIVE",
      })
      .lean<OfferRecord[]>();
    return rows.filter((o) => wanted.has(`${o.marketplaceId}:${o.productId}`));
  }

  /** The offers forwarded from any of `sourceIds`. */
  async childrenOf(sourceIds: readonly string[]): Promise<OfferRecord[]> {
    if (sourceIds.length === 0) return [];
    return this.model.find({ sourceId: { $in: [...new Set(sourceIds)] } }).lean<OfferRecord[]>();
  }

  /** Offers whose availability reads this owner's stock of this product. */
  async dependingOnStock(ownerId: string, productId: string): Promise<OfferRecord[]> {
    return this.model
      .find({ productId, $or: [{ sellerId: ownerId, depth: 0 }, { viaId: ownerId }] })
      .lean<OfferRecord[]>();
  }

  async forwardedBy(viaId: string, toMarketplaceId?: string): Promise<OfferRecord[]> {
    return this.model
      .find(toMarketplaceId ? { viaId, marketplaceId: toMarketplaceId } : { viaId })
      .lean<OfferRecord[]>();
  }

  async activeAt(marketplaceId: string, productId?: string): Promise<OfferRecord[]> {
    return this.model
      .find(productId ? { marketplaceId, productId, status: "ACTIVE" } : { marketplaceId, status: "ACTIVE" })
      .lean<OfferRecord[]>();
  }

  /**
   * Applies every write whose offer is still at its `rev`, in one bulk round
   * trip, and returns the ids of those that won. The losers read facts older
   * than someone else's write and must be evaluated again. Offers given the
   * same write (one seller's offers at many marketplaces, say, whatever
   * their revs) share one multi-document update, whose filter still matches
   * each offer on its own `rev`: a write per statement would cost a scan of
   * the collection each on the embedded server.
   */
  async compareAndSet(writes: readonly OfferWrite[]): Promise<Set<string>> {
    if (writes.length === 0) return new Set();
    const token = randomUUID();
    const groups = [...groupBy(writes, (w) => JSON.stringify([w.set, w.inc ?? {}])).values()];
    const result = await this.collection.bulkWrite(
      groups.map((same): mongo.AnyBulkWriteOperation<OfferRecord> => {
        const { set, inc } = same[0]!;
        const update = { $set: { ...set, writeToken: token }, $inc: { ...inc, rev: 1 } };
        if (same.length === 1) return { updateOne: { filter: { _id: same[0]!.id, rev: same[0]!.rev }, update } };
        const byRev = [...groupBy(same, (w) => w.rev).values()].map((at) => ({ _id: { $in: at.map((w) => w.id) }, rev: at[0]!.rev }));
        return { updateMany: { filter: byRev.length === 1 ? byRev[0]! : { $or: byRev }, update } };
      }),
      { ordered: false },
    );
    if (result.matchedCount === writes.length) return this.changed(writes, new Set(writes.map((w) => w.id)));
    const won = await this.model
      .find({ _id: { $in: writes.map((w) => w.id) }, writeToken: token }, { _id: 1 })
      .lean<{ _id: string }[]>();
    return this.changed(writes, new Set(won.map((r) => r._id)));
  }

  /** Offers whose outbox may hold events not yet in the feed (a crash, or a flush still under way). */
  async withPendingEvents(limit: number): Promise<OfferRecord[]> {
    return this.model.find({ hasPending: true }).limit(limit).lean<OfferRecord[]>();
  }

  /**
   * Records, for each offer, that its events up to `eventNo` are in the feed,
   * in one bulk write (and a second only when some offer moved on meanwhile),
   * one update per distinct `eventNo`. Touches neither `rev` nor the outbox,
   * so it never races an evaluation's write: an offer that got a new event
   * since keeps `hasPending`. An entry with a `rev` also closes the offer's
   * settle intent (`settleAt`), only while the offer is still at that `rev`:
   * a write since then carries an intent of its own, which must stay.
   */
  async markFlushed(flushed: readonly { offerId: string; eventNo: number; rev?: number }[]): Promise<void> {
    if (flushed.length === 0) return;
    const groups = [...groupBy(flushed, (f) => `${f.eventNo}:${f.rev === undefined ? "" : "settled"}`).values()];
    const ids = (same: typeof flushed) => ({ $in: same.map((f) => f.offerId) });
    const done = await this.collection.bulkWrite(
      groups.map((same): mongo.AnyBulkWriteOperation<OfferRecord> => {
        const eventNo = same[0]!.eventNo;
        if (same[0]!.rev === undefined) {
          return {
            updateMany: {
              filter: { _id: ids(same), eventCount: eventNo },
              update: { $set: { flushedThrough: eventNo, hasPending: false } },
            },
          };
        }
        const byRev = [...groupBy(same, (f) => f.rev!).values()].map((at) => ({ _id: ids(at), rev: at[0]!.rev! }));
        return {
          updateMany: {
            filter: { eventCount: eventNo, ...(byRev.length === 1 ? byRev[0]! : { $or: byRev }) },
            update: { $set: { flushedThrough: eventNo, hasPending: false }, $unset: { settleAt: 1 } },
          },
        };
      }),
      { ordered: false },
    );
    if (done.matchedCount === flushed.length) return;
    const byEventNo = [...groupBy(flushed, (f) => f.eventNo).values()];
    await this.collection.bulkWrite(
      byEventNo.map((same): mongo.AnyBulkWriteOperation<OfferRecord> => ({
        updateMany: {
          filter: { _id: ids(same), flushedThrough: { $lt: same[0]!.eventNo } },
          update: { $set: { flushedThrough: same[0]!.eventNo } },
        },
      })),
      { ordered: false },
    );
  }

  /**
   * Offers whose settle intent was set at or before `cutoff`, after `afterId`
   * in id order: changes whose downstream a crash may have left behind.
   */
  async withSettleIntent(cutoff: Date, afterId: string, limit: number): Promise<OfferRecord[]> {
    return this.model
      .find({ settleAt: { $lte: cutoff }, _id: { $gt: afterId } })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<OfferRecord[]>();
  }

  async page(filter: OfferFilter, page: Page): Promise<{ rows: OfferRecord[]; total: number }> {
    const query = toQuery(filter);
    const [rows, total] = await Promise.all([
      this.model
        .find(page.afterKey ? { ...query, _id: { $gt: page.afterKey } } : query)
        .sort({ _id: 1 })
        .limit(page.first + 1)
        .lean<OfferRecord[]>(),
      this.model.countDocuments(query),
    ]);
    return { rows, total };
  }
}
