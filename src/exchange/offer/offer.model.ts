import { Schema, type Connection, type Model } from "mongoose";
import type { OfferEventType, OfferStatus, QuantityPolicy, UnavailableReason } from "../rules/types";

/** A feed event waiting in its offer's outbox until it is appended to the marketplace's log. */
export interface OutboxEvent {
  eventNo: number; // per offer, 1, 2, 3...: makes the append idempotent
  type: OfferEventType;
  available: boolean;
  quantity: number;
  price: number;
  unavailableReason: UnavailableReason | null;
  occurredAt: Date;
}

export interface OfferRecord {
  _id: string;
  /** One offer per (seller, marketplace, product) when direct, per (source, marketplace) when forwarded. */
  key: string;
  sellerId: string;
  marketplaceId: string;
  productId: string;
  sourceId: string | null;
  viaId: string | null;
  path: string[];
  depth: number;
  price: number;
  currency: string;
  status: OfferStatus;
  available: boolean;
  quantity: number;
  unavailableReason: UnavailableReason | null;
  /** Public: +1 on every change to what the offer shows. */
  version: number;
  /**
   * Internal: +1 on every write, visible change or not. Every write is a
   * compare-and-set on it, so a re-evaluation that read older facts can never
   * overwrite one that read newer ones.
   */
  rev: number;
  eventCount: number;
  /** Marks which batch made the last write, so a bulk compare-and-set can tell its winners. */
  writeToken?: string;
  /**
   * Feed events, written in the same atomic update as the change that caused
   * them, so a crash cannot lose them. Those numbered above `flushedThrough`
   * are not yet in the feed; the rest are trimmed at the next write.
   */
  outbox: OutboxEvent[];
  flushedThrough: number;
  /** True while some event may still wait for the feed: what the sweeper looks for. */
  hasPending: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const outboxSchema = new Schema<OutboxEvent>(
  {
    eventNo: Number,
    type: String,
    available: Boolean,
    quantity: Number,
    price: Number,
    unavailableReason: { type: String, default: null },
    occurredAt: Date,
  },
  { _id: false },
);

const offerSchema = new Schema<OfferRecord>(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    sellerId: { type: String, required: true },
    marketplaceId: { type: String, required: true },
    productId: { type: String, required: true },
    sourceId: { type: String, default: null },
    viaId: { type: String, default: null },
    path: { type: [String], required: true },
    depth: { type: Number, required: true },
    price: { type: Number, required: true },
    currency: { type: String, required: true },
    status: { type: String, required: true },
    available: { type: Boolean, required: true },
    quantity: { type: Number, required: true },
    unavailableReason: { type: String, default: null },
    version: { type: Number, required: true },
    rev: { type: Number, required: true },
    eventCount: { type: Number, required: true },
    writeToken: { type: String },
    outbox: { type: [outboxSchema], default: [] },
    flushedThrough: { type: Number, required: true },
    hasPending: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
offerSchema.index({ key: 1 }, { unique: true });
offerSchema.index({ sourceId: 1 });
offerSchema.index({ marketplaceId: 1, _id: 1 });
offerSchema.index({ marketplaceId: 1, status: 1, productId: 1 });
offerSchema.index({ sellerId: 1, _id: 1 });
offerSchema.index({ sellerId: 1, productId: 1, depth: 1 });
offerSchema.index({ viaId: 1, productId: 1 });
offerSchema.index({ viaId: 1, marketplaceId: 1 });
offerSchema.index({ productId: 1, _id: 1 });
offerSchema.index({ hasPending: 1 });

export type OfferModel = Model<OfferRecord>;

export const offerModel = (connection: Connection): OfferModel =>
  connection.model<OfferRecord>("Offer", offerSchema, "offers");

export const directOfferKey = (sellerId: string, marketplaceId: string, productId: string) =>
  `d:${sellerId}:${marketplaceId}:${productId}`;
export const forwardedOfferKey = (sourceId: string, marketplaceId: string) => `f:${sourceId}:${marketplaceId}`;

/** What identifies a new offer; everything else starts from the same blank state. */
export type NewOffer = Pick<
  OfferRecord,
  "key" | "sellerId" | "marketplaceId" | "productId" | "sourceId" | "viaId" | "path" | "depth" | "price" | "currency" | "status"
>;

/** A new offer before its first evaluation: unavailable, version 1, nothing in its outbox. */
export function draftOffer(_id: string, fields: NewOffer, now = new Date()): OfferRecord {
  return {
    _id,
    ...fields,
    available: false,
    quantity: 0,
    unavailableReason: null,
    version: 1,
    rev: 0,
    eventCount: 0,
    outbox: [],
    flushedThrough: 0,
    hasPending: false,
    createdAt: now,
    updatedAt: now,
  };
}
