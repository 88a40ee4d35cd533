import { Schema, type Connection, type Model } from "mongoose";
import type { OfferEventType, OfferStatus, QuantityPolicy, UnavailableReason } from "../rules/types";

/**
 * A feed event waiting in its offer's outbox until it is appended to the
 * marketplace's log. It stores nothing that differs between offers given the
 * same change (one seller's offers at many marketplaces, say), so that one
 * update can write it to all of them:
 * - its number (per offer, 1, 2, 3...: what makes the append idempotent) is
 *   its place: the outbox holds the offer's latest events, the last of them
 *   numbered `eventCount`;
 * - its `price` is the offer's own, and is written into the event only when
 *   a later write changes the offer's price while the event still waits.
 */
export interface OutboxEvent {
  type: OfferEventType;
  available: boolean;
  quantity: number;
  price?: number;
  unavailableReason: UnavailableReason | null;
  occurredAt: Date;
  /** The W3C trace context of the request that raised it, when traced: its feed pushes and webhook deliveries join that trace. */
  traceparent?: string;
}

/** An outbox event with its number and price: what the feed appends. */
export interface NumberedEvent extends OutboxEvent {
  eventNo: number;
  price: number;
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
  /**
   * Set, in the same write, when what the offer shows changes or it is new:
   * the offers forwarded from it, and its own auto-forwarding, may not have
   * caught up yet. Cleared, on the same `rev`, once they have (see
   * OfferPropagation.settle); one left behind by a crash is what the sweep
   * settles.
   */
  settleAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

const outboxSchema = new Schema<OutboxEvent>(
  {
    type: String,
    available: Boolean,
    quantity: Number,
    price: Number,
    unavailableReason: { type: String, default: null },
    occurredAt: Date,
    traceparent: { type: String, required: false },
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
    settleAt: { type: Date, required: false },
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
offerSchema.index({ settleAt: 1 }, { sparse: true });

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

/** The offer's outbox events, numbered and priced (see `OutboxEvent`). */
export function numberedOutbox(offer: Pick<OfferRecord, "outbox" | "eventCount" | "price">): NumberedEvent[] {
  const first = offer.eventCount - offer.outbox.length + 1;
  return offer.outbox.map((e, i) => ({ ...e, eventNo: first + i, price: e.price ?? offer.price }));
}

/** The outbox events not yet in the feed (numbered above `flushedThrough`), as stored. */
export function unflushedOutbox(offer: Pick<OfferRecord, "outbox" | "eventCount" | "flushedThrough">): OutboxEvent[] {
  const waiting = Math.max(0, Math.min(offer.outbox.length, offer.eventCount - offer.flushedThrough));
  return offer.outbox.slice(offer.outbox.length - waiting);
}

/** The outbox events not yet in the feed, numbered and priced, in order. */
export const pendingEvents = (offer: Pick<OfferRecord, "outbox" | "eventCount" | "price" | "flushedThrough">): NumberedEvent[] =>
  numberedOutbox(offer).filter((e) => e.eventNo > offer.flushedThrough);
