import type { mongo } from "mongoose";
import { chunkId, type ImportChunkModel, type ImportChunkRecord, type ImportError, type OfferImportModel, type OfferImportRecord, type StoredLine } from "./import.model";

/** Imports and their stored chunks: the only place that touches their collections. */
export class ImportRepository {
  constructor(
    private readonly imports: OfferImportModel,
    private readonly chunks: ImportChunkModel,
  ) {}

  private get chunkCollection(): mongo.Collection<ImportChunkRecord> {
    return this.chunks.collection as unknown as mongo.Collection<ImportChunkRecord>;
  }

  async create(record: OfferImportRecord): Promise<void> {
    await this.imports.collection.insertOne(record as never);
  }

  /** One statement per chunk, however many lines it holds. */
  async addChunk(importId: string, n: number, lines: StoredLine[]): Promise<void> {
    await this.chunkCollection.insertOne({
      _id: chunkId(importId, n),
      importId,
      n,
      count: lines.length,
      lines,
      done: false,
      lineErrors: [],
      errorCount: 0,
      lastErrorLine: 0,
    });
  }

  /** The upload is complete: the import may start. */
  async queue(importId: string, columns: string[], total: number, chunks: number): Promise<void> {
    await this.imports.updateOne({ _id: importId, status: "UPLOADING" }, { $set: { status: "QUEUED", columns, total, chunks } });
  }

  /** An upload refused or cut short leaves nothing behind. */
  async discard(importId: string): Promise<void> {
    await this.chunks.deleteMany({ importId });
    await this.imports.deleteOne({ _id: importId });
  }

  async get(importId: string): Promise<OfferImportRecord | null> {
    return this.imports.findById(importId).lean<OfferImportRecord>();
  }

  /** Takes an import to run: one queued, or running under a lease that ran out (its process died). */
  async claim(owner: string, leaseMs: number): Promise<OfferImportRecord | null> {
    const now = new Date();
    return this.imports
      .findOneAndUpdate(
        { status: { $in: ["QUEUED", "RUNNING"] }, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
        { $set: { status: "RUNNING", leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) } },
        { returnDocument: "after", sort: { createdAt: 1 } },
      )
      .lean<OfferImportRecord>();
  }

  /** Extends the lease; false when another process holds it now. */
  async renew(importId: string, owner: string, leaseMs: number): Promise<boolean> {
    const r = await this.imports.updateOne(
      { _id: importId, leaseOwner: owner, status: "RUNNING" },
      { $set: { leaseUntil: new Date(Date.now() + leaseMs) } },
    );
    return r.matchedCount === 1;
  }

  async started(importId: string, owner: string): Promise<void> {
    await this.imports.updateOne({ _id: importId, leaseOwner: owner, startedAt: null }, { $set: { startedAt: new Date() } });
  }

  async chunk(importId: string, n: number): Promise<ImportChunkRecord | null> {
    return this.chunks.findById(chunkId(importId, n)).lean<ImportChunkRecord>();
  }

  /** Records a chunk's outcome (the same again changes nothing) and drops its lines. */
  async chunkDone(importId: string, n: number, errors: ImportError[]): Promise<void> {
    await this.chunks.updateOne(
      { _id: chunkId(importId, n) },
      {
        $set: { done: true, lineErrors: errors, errorCount: errors.length, lastErrorLine: errors.at(-1)?.line ?? 0, lines: [] },
      },
    );
  }

  /** Counts chunk `n` once: only while it is still the next one, and only for the lease's owner. */
  async advance(importId: string, owner: string, n: number, count: number, failed: number, leaseMs: number): Promise<boolean> {
    const r = await this.imports.updateOne(
      { _id: importId, nextChunk: n, leaseOwner: owner, status: "RUNNING" },
      {
        $set: { nextChunk: n + 1, attempts: 0, leaseUntil: new Date(Date.now() + leaseMs) },
        $inc: { processed: count, succeeded: count - failed, failed },
      },
    );
    return r.matchedCount === 1;
  }

  /** Lets go of the import after a failed attempt, to be tried again after `retryInMs`; returns the attempts so far. */
  async attemptFailed(importId: string, owner: string, retryInMs: number): Promise<number> {
    const row = await this.imports
      .findOneAndUpdate(
        { _id: importId, leaseOwner: owner },
        { $inc: { attempts: 1 }, $set: { leaseOwner: null, leaseUntil: new Date(Date.now() + retryInMs) } },
        { returnDocument: "after" },
      )
      .lean<OfferImportRecord>();
    return row?.attempts ?? 0;
  }

  async finish(importId: string, owner: string, status: "DONE"): Promise<OfferImportRecord | null> {
    return this.imports
      .findOneAndUpdate(
        { _id: importId, status: "RUNNING", leaseOwner: owner },
        { $set: { status, finishedAt: new Date(), leaseOwner: null, leaseUntil: null } },
        { returnDocument: "after" },
      )
      .lean<OfferImportRecord>();
  }

  async fail(importId: string, failureReason: string): Promise<OfferImportRecord | null> {
    return this.imports
      .findOneAndUpdate(
        { _id: importId, status: "RUNNING" },
        { $set: { status: "FAILED", failureReason, finishedAt: new Date(), leaseOwner: null, leaseUntil: null } },
        { returnDocument: "after" },
      )
      .lean<OfferImportRecord>();
  }

  /** The errors after line `afterLine`, in line order, at most `limit`. */
  async errorsAfter(importId: string, afterLine: number, limit: number): Promise<ImportError[]> {
    const out: ImportError[] = [];
    if (limit <= 0) return out;
    const cursor = this.chunks
      .find({ importId, errorCount: { $gt: 0 }, lastErrorLine: { $gt: afterLine } }, { lineErrors: 1 })
      .sort({ n: 1 })
      .lean<ImportChunkRecord>()
      .cursor({ batchSize: 4 });
    try {
      for await (const chunk of cursor) {
        for (const e of chunk.lineErrors) {
          if (e.line <= afterLine) continue;
          out.push(e);
          if (out.length >= limit) return out;
        }
      }
    } finally {
      await cursor.close();
    }
    return out;
  }

  /** Imports left UPLOADING by a process that died mid-upload: their client never got an id. */
  async discardStaleUploads(olderThan: Date): Promise<void> {
    const stale = await this.imports.find({ status: "UPLOADING", createdAt: { $lt: olderThan } }, { _id: 1 }).lean<{ _id: string }[]>();
    for (const s of stale) await this.discard(s._id);
  }
}
