import { Schema, type Connection, type Model } from "mongoose";

/** A delivery that failed and is retried as it was: same id, same events, same body. */
export interface PendingDelivery {
  id: string;
  fromSeq: number;
  toSeq: number;
  body: string;
  /** The trace contexts of the requests that raised its events (when traced), distinct, in feed order: its spans are children of the first, linked to the rest. */
  traceparents?: string[];
}

export interface WebhookRecord {
  _id: string; // whk_<hex>
  marketplaceId: string;
  url: string;
  /** "whsec_" + base64: kept as is, since it must sign every delivery. */
  secret: string;
  /** False when disabled by updateWebhook or after too many failures. */
  enabled: boolean;
  /** The seq of the last acknowledged event (0: none yet). */
  deliveredSeq: number;
  /** Bumped whenever the position or the URL is set: an attempt begun before cannot move the new position. */
  epoch: number;
  consecutiveFailures: number;
  lastAttemptAt: Date | null;
  lastError: string | null;
  /** When the pending delivery may be tried again (backoff). */
  nextAttemptAt: Date | null;
  pending: PendingDelivery | null;
  /** The process delivering it, until `leaseUntil` (ms since the epoch; 0: nobody). */
  leaseOwner: string | null;
  leaseUntil: number;
  createdAt: Date;
}

const pendingSchema = new Schema<PendingDelivery>(
  {
    id: { type: String, required: true },
    fromSeq: { type: Number, required: true },
    toSeq: { type: Number, required: true },
    body: { type: String, required: true },
    traceparents: { type: [String], default: undefined },
  },
  { _id: false, versionKey: false },
);

const webhookSchema = new Schema<WebhookRecord>(
  {
    _id: { type: String, required: true },
    marketplaceId: { type: String, required: true },
    url: { type: String, required: true },
    secret: { type: String, required: true },
    enabled: { type: Boolean, required: true },
    deliveredSeq: { type: Number, required: true },
    epoch: { type: Number, required: true },
    consecutiveFailures: { type: Number, required: true },
    lastAttemptAt: { type: Date, default: null },
    lastError: { type: String, default: null },
    nextAttemptAt: { type: Date, default: null },
    pending: { type: pendingSchema, default: null },
    leaseOwner: { type: String, default: null },
    leaseUntil: { type: Number, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
webhookSchema.index({ marketplaceId: 1, createdAt: 1 });

/** Webhooks per marketplace, so that the limit of 10 holds under concurrent creates (one atomic update). */
export interface WebhookCountRecord {
  _id: string; // marketplace id
  count: number;
}

const webhookCountSchema = new Schema<WebhookCountRecord>(
  { _id: { type: String, required: true }, count: { type: Number, required: true } },
  { versionKey: false },
);

export type WebhookModel = Model<WebhookRecord>;
export type WebhookCountModel = Model<WebhookCountRecord>;

export const webhookModel = (connection: Connection): WebhookModel =>
  connection.model<WebhookRecord>("Webhook", webhookSchema, "webhooks");

export const webhookCountModel = (connection: Connection): WebhookCountModel =>
  connection.model<WebhookCountRecord>("WebhookCount", webhookCountSchema, "webhook_counts");
