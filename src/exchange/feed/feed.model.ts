import { Schema, type Connection, type Model } from "mongoose";
import type { OfferEventType, UnavailableReason } from "../rules/types";

/** One entry of a marketplace's durable, ordered feed. */
export interface FeedEventRecord {
  _id: string; // `${offerId}:${eventNo}`: an event is appended once, however often its append is retried
  marketplaceId: string;
  seq: number; // strictly increasing within the marketplace's feed
  type: OfferEventType;
  offerId: string;
  available: boolean;
  quantity: number;
  price: number;
  unavailableReason: UnavailableReason | null;
  occurredAt: Date;
  /** The W3C trace context of the request that raised it (when traced). */
  traceparent?: string;
}

const feedEventSchema = new Schema<FeedEventRecord>(
  {
    _id: { type: String, required: true },
    marketplaceId: { type: String, required: true },
    seq: { type: Number, required: true },
    type: { type: String, required: true },
    offerId: { type: String, required: true },
    available: { type: Boolean, required: true },
    quantity: { type: Number, required: true },
    price: { type: Number, required: true },
    unavailableReason: { type: String, default: null },
    occurredAt: { type: Date, required: true },
    traceparent: { type: String, required: false },
  },
  { versionKey: false },
);
feedEventSchema.index({ marketplaceId: 1, seq: 1 }, { unique: true });

export type FeedEventModel = Model<FeedEventRecord>;

/**
 * The collection that holds partition `p` of the feed log: `feed_events`, then
 * `feed_events_p1`, `feed_events_p2`... (FEED_PARTITIONS; docs/decisions.md).
 */
export const feedCollection = (p: number): string => (p === 0 ? "feed_events" : `feed_events_p${p}`);

/** The feed log's first (or only) partition. */
export const feedEventModel = (connection: Connection): FeedEventModel => feedEventModels(connection, 1)[0]!;

/** One model per partition of the feed log, in partition order. */
export const feedEventModels = (connection: Connection, partitions: number): FeedEventModel[] =>
  Array.from({ length: partitions }, (_, p) =>
    connection.model<FeedEventRecord>(p === 0 ? "FeedEvent" : `FeedEvent_p${p}`, feedEventSchema, feedCollection(p)),
  );
