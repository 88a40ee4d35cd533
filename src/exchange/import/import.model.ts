import { Schema, type Connection, type Model } from "mongoose";
import type { Principal } from "../../shared/principal";

/** UPLOADING is internal: the file is still being stored, and the import is not shown yet. */
export type ImportStatus = "UPLOADING" | "QUEUED" | "RUNNING" | "DONE" | "FAILED";

export interface ImportError {
  line: number;
  code: string;
  message: string;
}

export interface OfferImportRecord {
  _id: string;
  sellerId: string;
  marketplaceId: string;
  /** Who started it: each line is applied with these rights, as their own call would be. */
  principal: Principal;
  /** The header's column names, in file order. */
  columns: string[];
  status: ImportStatus;
  /** Data lines in the file, and how many chunks hold them. */
  total: number;
  chunks: number;
  /** The next chunk to process: chunks before it are counted below. */
  nextChunk: number;
  processed: number;
  succeeded: number;
  failed: number;
  failureReason: string | null;
  /** Failed attempts at `nextChunk` (a dependency down, say); the import fails after a few. */
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A data line as stored: its number in the file and its fields, or why it could not be read. */
export interface StoredLine {
  line: number;
  fields?: string[];
  unreadable?: string;
}

/**
 * A run of the file's lines, stored as uploaded so that the import survives a
 * restart; once processed it keeps only its errors and counts.
 */
export interface ImportChunkRecord {
  _id: string; // `${importId}:${n}`
  importId: string;
  n: number;
  count: number;
  lines: StoredLine[];
  done: boolean;
  lineErrors: ImportError[];
  errorCount: number;
  /** The last line with an error, to find the chunks after a cursor. */
  lastErrorLine: number;
}

const importSchema = new Schema<OfferImportRecord>(
  {
    _id: { type: String, required: true },
    sellerId: { type: String, required: true },
    marketplaceId: { type: String, required: true },
    principal: { type: { kind: String, id: String }, required: true, _id: false },
    columns: { type: [String], required: true },
    status: { type: String, required: true },
    total: { type: Number, required: true },
    chunks: { type: Number, required: true },
    nextChunk: { type: Number, required: true },
    processed: { type: Number, required: true },
    succeeded: { type: Number, required: true },
    failed: { type: Number, required: true },
    failureReason: { type: String, default: null },
    attempts: { type: Number, required: true },
    leaseOwner: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
importSchema.index({ status: 1 });

const chunkSchema = new Schema<ImportChunkRecord>(
  {
    _id: { type: String, required: true },
    importId: { type: String, required: true },
    n: { type: Number, required: true },
    count: { type: Number, required: true },
    lines: { type: Schema.Types.Mixed, default: [] },
    done: { type: Boolean, required: true },
    lineErrors: { type: Schema.Types.Mixed, default: [] },
    errorCount: { type: Number, required: true },
    lastErrorLine: { type: Number, required: true },
  },
  { versionKey: false },
);
chunkSchema.index({ importId: 1, n: 1 });

export type OfferImportModel = Model<OfferImportRecord>;
export type ImportChunkModel = Model<ImportChunkRecord>;

export const offerImportModel = (connection: Connection): OfferImportModel =>
  connection.model<OfferImportRecord>("OfferImport", importSchema, "offer_imports");
export const importChunkModel = (connection: Connection): ImportChunkModel =>
  connection.model<ImportChunkRecord>("OfferImportChunk", chunkSchema, "offer_import_chunks");

export const chunkId = (importId: string, n: number) => `${importId}:${n}`;
