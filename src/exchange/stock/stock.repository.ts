import { randomUUID } from "node:crypto";
import type { mongo } from "mongoose";
import { failedOnDuplicateKeysOnly, isDuplicateKey } from "../../shared/mongo";
import { newIntent, type SettleIntent } from "../offer/intent";
import { stockKey, type StockModel, type StockRecord } from "./stock.model";

export interface StockLevel {
  ownerId: string;
  productId: string;
  quantity: number;
  version: number;
  updatedAt: Date | null;
}

const toLevel = (r: StockRecord): StockLevel => ({
  ownerId: r.ownerId,
  productId: r.productId,
  quantity: r.quantity,
  version: r.version,
  updatedAt: r.updatedAt,
});

/** A level never set reads as quantity 0, version 0. */
export const emptyLevel = (ownerId: string, productId: string): StockLevel => ({
  ownerId,
  productId,
  quantity: 0,
  version: 0,
  updatedAt: null,
});

/** Stock levels; every change is one atomic, conditional single-document write. */
export class StockRepository {
  constructor(private readonly model: StockModel) {}

  async get(ownerId: string, productId: string): Promise<StockLevel> {
    const row = await this.model.findById(stockKey(ownerId, productId)).lean<StockRecord>();
    return row ? toLevel(row) : emptyLevel(ownerId, productId);
  }

  /** Quantities by `stockKey`, one query; absent keys are 0. */
  async quantities(keys: readonly string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.model.find({ _id: { $in: [...new Set(keys)] } }, { quantity: 1 }).lean<StockRecord[]>();
    return new Map(rows.map((r) => [r._id, r.quantity]));
  }

  /**
   * Sets the quantity in one write, unless the level already holds it or,
   * given `version`, is at another version; returns the level before and
   * after, or null when it wrote nothing (no level yet, the same quantity, or
   * another version: the caller reads the level to tell which).
   */
  async setIfChanged(
    ownerId: string,
    productId: string,
    quantity: number,
    version?: number | null,
    intent: SettleIntent = newIntent(),
  ): Promise<{ before: StockLevel; after: StockLevel } | null> {
    const updatedAt = new Date();
    const row = await this.model
      .findOneAndUpdate(
        { _id: stockKey(ownerId, productId), quantity: { $ne: quantity }, ...(version != null ? { version } : {}) },
        { $set: { quantity, updatedAt, intent }, $inc: { version: 1 } },
        { returnDocument: "before" },
      )
      .lean<StockRecord>();
    if (!row) return null;
    const before = toLevel(row);
    return { before, after: { ...before, quantity, version: before.version + 1, updatedAt } };
  }

  /** Sets the quantity if the level is still at `version`; false when it has moved on. */
  async compareAndSet(
    ownerId: string,
    productId: string,
    quantity: number,
    version: number,
    intent: SettleIntent = newIntent(),
  ): Promise<StockLevel | null> {
    const _id = stockKey(ownerId, productId);
    const updatedAt = new Date();
    if (version === 0) {
      try {
        const record = { _id, ownerId, productId, quantity, version: 1, updatedAt, intent };
        await this.model.create(record);
        return toLevel(record);
      } catch (error) {
        if (isDuplicateKey(error)) return null;
        throw error;
      }
    }
    const row = await this.model
      .findOneAndUpdate({ _id, version }, { $set: { quantity, updatedAt, intent }, $inc: { version: 1 } }, { returnDocument: "after" })
      .lean<StockRecord>();
    return row ? toLevel(row) : null;
  }

  /**
   * Adds `delta` atomically, keeping the level within 0..`max`: "below" or
   * "above" when the result would leave that range (nothing changes then).
   */
  async adjust(
    ownerId: string,
    productId: string,
    delta: number,
    max: number,
    intent: SettleIntent = newIntent(),
  ): Promise<StockLevel | "below" | "above"> {
    const _id = stockKey(ownerId, productId);
    const update = { $inc: { quantity: delta, version: 1 }, $set: { updatedAt: new Date(), intent } };
    if (delta < 0) {
      const row = await this.model
        .findOneAndUpdate({ _id, quantity: { $gte: -delta } }, update, { returnDocument: "after" })
        .lean<StockRecord>();
      return row ? toLevel(row) : "below";
    }
    if (delta > max) return "above";
    for (;;) {
      const row = await this.model
        .findOneAndUpdate({ _id, quantity: { $lte: max - delta } }, update, { returnDocument: "after" })
        .lean<StockRecord>();
      if (row) return toLevel(row);
      // No level within range: none yet (create it), one too high to take `delta`, or one a concurrent first write just made (add to it).
      const current = await this.model.findById(_id, { quantity: 1 }).lean<Pick<StockRecord, "quantity">>();
      if (current) {
        if (current.quantity > max - delta) return "above";
        continue;
      }
      try {
        const record = { _id, ownerId, productId, quantity: delta, version: 1, updatedAt: new Date(), intent };
        await this.model.create(record);
        return toLevel(record);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error; // a concurrent first write: add to it instead
      }
    }
  }

  /** Clears the level's intent, unless a later change has set another since. */
  async clearIntent(ownerId: string, productId: string, intent: SettleIntent): Promise<void> {
    await this.model.updateOne({ _id: stockKey(ownerId, productId), "intent.id": intent.id }, { $unset: { intent: 1 } });
  }

  /** Clears `intent` from every level still carrying it (one statement); a level changed since carries its own. */
  async clearIntents(intent: SettleIntent): Promise<void> {
    await this.model.updateMany({ "intent.id": intent.id }, { $unset: { intent: 1 } });
  }

  /** Levels whose intent was set at or before `cutoff`: changes whose offers may not have been re-evaluated. */
  async withIntent(cutoff: Date, limit: number): Promise<(StockLevel & { intent: SettleIntent })[]> {
    const rows = await this.model.find({ "intent.at": { $lte: cutoff } }).limit(limit).lean<StockRecord[]>();
    return rows.map((r) => ({ ...toLevel(r), intent: r.intent! }));
  }

  /** Levels by `stockKey`, one query; a level never set reads as quantity 0, version 0. */
  async getMany(levels: readonly { ownerId: string; productId: string }[]): Promise<Map<string, StockLevel>> {
    const keys = [...new Set(levels.map((l) => stockKey(l.ownerId, l.productId)))];
    const rows = keys.length ? await this.model.find({ _id: { $in: keys } }).lean<StockRecord[]>() : [];
    const found = new Map(rows.map((r) => [r._id, toLevel(r)]));
    return new Map(levels.map((l) => [stockKey(l.ownerId, l.productId), found.get(stockKey(l.ownerId, l.productId)) ?? emptyLevel(l.ownerId, l.productId)]));
  }

  /**
   * `compareAndSet` for many levels (distinct keys) in one bulk statement:
   * each is set only if still at its `version` (0: not yet created). Returns
   * the winners' new levels by `stockKey`; the others moved on meanwhile.
   * Each write carries `intent`, to be closed by `clearIntents` once the
   * offers reading those levels are settled.
   */
  async compareAndSetMany(
    writes: readonly { ownerId: string; productId: string; quantity: number; version: number }[],
    intent: SettleIntent = newIntent(),
  ): Promise<Map<string, StockLevel>> {
    if (writes.length === 0) return new Map();
    const token = randomUUID(); // marks this statement's writes, to tell its winners
    const updatedAt = new Date();
    const collection = this.model.collection as unknown as mongo.Collection<StockRecord & { writeToken?: string }>;
    let matched: number;
    try {
      const result = await collection.bulkWrite(
        writes.map((w): mongo.AnyBulkWriteOperation<StockRecord & { writeToken?: string }> => {
          const _id = stockKey(w.ownerId, w.productId);
          if (w.version === 0) {
            return { insertOne: { document: { _id, ownerId: w.ownerId, productId: w.productId, quantity: w.quantity, version: 1, updatedAt, intent, writeToken: token } } };
          }
          return {
            updateOne: {
              filter: { _id, version: w.version },
              update: { $set: { quantity: w.quantity, updatedAt, intent, writeToken: token }, $inc: { version: 1 } },
            },
          };
        }),
        { ordered: false },
      );
      matched = result.matchedCount + result.insertedCount;
    } catch (error) {
      if (!failedOnDuplicateKeysOnly(error)) throw error;
      matched = -1; // a concurrent first write took some (and the embedded server then writes none): ask which writes won
    }
    let won: Set<string>;
    if (matched === writes.length) won = new Set(writes.map((w) => stockKey(w.ownerId, w.productId)));
    else {
      const rows = await collection
        .find({ _id: { $in: writes.map((w) => stockKey(w.ownerId, w.productId)) }, writeToken: token }, { projection: { _id: 1 } })
        .toArray();
      won = new Set(rows.map((r) => r._id));
    }
    const levels = new Map<string, StockLevel>();
    for (const w of writes) {
      const key = stockKey(w.ownerId, w.productId);
      if (won.has(key)) levels.set(key, { ownerId: w.ownerId, productId: w.productId, quantity: w.quantity, version: w.version + 1, updatedAt });
    }
    return levels;
  }
}
