import { isDuplicateKey } from "../../shared/mongo";
import type { WebhookCountModel, WebhookModel, WebhookRecord } from "./webhook.model";

/** Free, or held by `owner`, or held by a process whose lease ran out. */
const takeable = (owner: string, now: number) => ({ $or: [{ leaseOwner: owner }, { leaseUntil: { $lt: now } }] });

/** Webhooks and their delivery state; every state change is one conditional single-document update. */
export class WebhookRepository {
  constructor(
    private readonly model: WebhookModel,
    private readonly counts: WebhookCountModel,
  ) {}

  /** Takes one of the marketplace's `max` slots; false when all are taken. */
  async takeSlot(marketplaceId: string, max: number): Promise<boolean> {
    try {
      const row = await this.counts.findOneAndUpdate(
        { _id: marketplaceId, count: { $lt: max } },
        { $inc: { count: 1 } },
        { upsert: true, returnDocument: "after" },
      );
      return row !== null;
    } catch (error) {
      // The marketplace's counter exists and is at the limit: the upsert tried to insert it again.
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async freeSlot(marketplaceId: string): Promise<void> {
    await this.counts.updateOne({ _id: marketplaceId, count: { $gt: 0 } }, { $inc: { count: -1 } });
  }

  async create(record: WebhookRecord): Promise<WebhookRecord> {
    await this.model.create(record);
    return record;
  }

  async get(id: string): Promise<WebhookRecord | null> {
    return this.model.findById(id).lean<WebhookRecord>();
  }

  async listByMarketplace(marketplaceId: string): Promise<WebhookRecord[]> {
    return this.model.find({ marketplaceId }).sort({ createdAt: 1, _id: 1 }).lean<WebhookRecord[]>();
  }

  /** Applies `set` and returns the webhook as it is now, or null when it does not exist. */
  async update(id: string, set: Partial<WebhookRecord>, inc: Partial<Record<"epoch", number>> = {}): Promise<WebhookRecord | null> {
    return this.model
      .findOneAndUpdate({ _id: id }, { $set: set, ...(Object.keys(inc).length > 0 ? { $inc: inc } : {}) }, { returnDocument: "after" })
      .lean<WebhookRecord>();
  }

  /** Deletes the webhook; returns it as it was, or null when it was not there (or another call deleted it first). */
  async delete(id: string): Promise<WebhookRecord | null> {
    // A read, then a delete that says whether it removed it (the embedded server refuses findOneAndDelete).
    const found = await this.get(id);
    if (!found) return null;
    const { deletedCount } = await this.model.deleteOne({ _id: id });
    return deletedCount === 1 ? found : null;
  }

  /** Enabled webhooks that `owner` holds or may take (of one marketplace, or all). */
  async takeableBy(owner: string, now: number, marketplaceId?: string): Promise<WebhookRecord[]> {
    return this.model
      .find({ enabled: true, ...(marketplaceId ? { marketplaceId } : {}), ...takeable(owner, now) })
      .lean<WebhookRecord[]>();
  }

  /** The marketplaces that have an enabled webhook. */
  async enabledMarketplaces(): Promise<string[]> {
    return (await this.model.distinct("marketplaceId", { enabled: true })) as string[];
  }

  /** Takes or renews the lease of one enabled webhook; null when another process holds it. */
  async acquire(id: string, owner: string, now: number, leaseMs: number): Promise<WebhookRecord | null> {
    return this.model
      .findOneAndUpdate({ _id: id, enabled: true, ...takeable(owner, now) }, { $set: { leaseOwner: owner, leaseUntil: now + leaseMs } }, { returnDocument: "after" })
      .lean<WebhookRecord>();
  }

  /** Renews every lease `owner` still holds among `ids`, in one statement; returns the ids it still holds. */
  async renew(ids: readonly string[], owner: string, now: number, leaseMs: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    await this.model.updateMany({ _id: { $in: ids }, leaseOwner: owner }, { $set: { leaseUntil: now + leaseMs } });
    const held = await this.model.find({ _id: { $in: ids }, leaseOwner: owner }, { _id: 1 }).lean<{ _id: string }[]>();
    return new Set(held.map((h) => h._id));
  }

  async release(ids: readonly string[], owner: string): Promise<void> {
    if (ids.length === 0) return;
    await this.model.updateMany({ _id: { $in: ids }, leaseOwner: owner }, { $set: { leaseOwner: null, leaseUntil: 0 } });
  }

  /**
   * Records an attempt's outcome, only if `owner` still holds the lease, the
   * webhook is still enabled and its position was not set since the attempt
   * began (`epoch`); null otherwise.
   */
  async settle(id: string, owner: string, epoch: number, set: Partial<WebhookRecord>): Promise<WebhookRecord | null> {
    return this.model.findOneAndUpdate({ _id: id, leaseOwner: owner, epoch, enabled: true }, { $set: set }, { returnDocument: "after" }).lean<WebhookRecord>();
  }

  /**
   * `settle` for many webhooks in one bulk write. When every write matched
   * (the common case) each took, and the webhook is `doc` with `set` applied,
   * without a read; otherwise one read tells which took: a write took when
   * the webhook now shows this owner, the same epoch, enabled, and the
   * fields written.
   */
  async settleMany(
    owner: string,
    writes: readonly { doc: WebhookRecord; set: Partial<WebhookRecord> }[],
  ): Promise<(WebhookRecord | null)[]> {
    const result = await this.model.bulkWrite(
      writes.map((w) => ({ updateOne: { filter: { _id: w.doc._id, leaseOwner: owner, epoch: w.doc.epoch, enabled: true }, update: { $set: w.set } } })),
      { ordered: false },
    );
    // Distinct ids, each filter on one document: as many matched as written means every one took.
    if (result.matchedCount === writes.length && new Set(writes.map((w) => w.doc._id)).size === writes.length) {
      return writes.map((w) => ({ ...w.doc, ...w.set }));
    }
    const rows = await this.model.find({ _id: { $in: writes.map((w) => w.doc._id) } }).lean<WebhookRecord[]>();
    const byId = new Map(rows.map((r) => [r._id, r]));
    return writes.map((w) => {
      const row = byId.get(w.doc._id);
      if (!row || row.leaseOwner !== owner || row.epoch !== w.doc.epoch || !row.enabled) return null;
      const took = Object.entries(w.set).every(([k, v]) => sameValue((row as unknown as Record<string, unknown>)[k], v));
      return took ? row : null;
    });
  }
}

const sameValue = (a: unknown, b: unknown): boolean =>
  a instanceof Date || b instanceof Date ? new Date(a as Date).getTime() === new Date(b as Date).getTime() : JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
