import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { OfferEventType, UnavailableReason } from "./generated/graphql";

export { WebhookVerificationError };

/** One event of a delivery: the scalar fields of OfferEvent. */
export interface WebhookEvent {
  cursor: string;
  type: OfferEventType;
  marketplaceId: string;
  offerId: string;
  available: boolean;
  quantity: number;
  price: number;
  unavailableReason: UnavailableReason | null;
  occurredAt: string;
}

/** A verified delivery. */
export interface WebhookDelivery {
  /** `webhook-id`: the same on every retry of this delivery (recognise duplicates by it). */
  id: string;
  /** `webhook-timestamp` of this attempt. */
  timestamp: Date;
  webhookId: string;
  marketplaceId: string;
  /** 1 to 100 events, in feed order. */
  events: WebhookEvent[];
}

/** Request headers as Node's `req.headers`, a fetch `Headers`, or a plain object. */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

const pick = (headers: HeadersLike, name: string): string => {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? "";
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return (Array.isArray(entry) ? entry[0] : entry) ?? "";
};

/**
 * Checks offergate's webhook deliveries, signed per the Standard Webhooks
 * specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
 * with the `standardwebhooks` package: the signature over the raw body, and a
 * timestamp within five minutes (no replays of old deliveries).
 */
export class WebhookVerifier {
  private readonly webhook: Webhook;

  /** `secret`: as createWebhook returned it ("whsec_..."). */
  constructor(secret: string) {
    this.webhook = new Webhook(secret);
  }

  /**
   * The delivery, when the body is exactly what was signed (pass the raw
   * bytes or text, not re-serialised JSON); else WebhookVerificationError.
   */
  verify(body: string | Uint8Array, headers: HeadersLike): WebhookDelivery {
    const names = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;
    const signed = Object.fromEntries(names.map((name) => [name, pick(headers, name)])) as Record<(typeof names)[number], string>;
    const payload = this.webhook.verify(body, signed) as Partial<WebhookDelivery> | null;
    if (!payload || typeof payload.webhookId !== "string" || typeof payload.marketplaceId !== "string" || !Array.isArray(payload.events)) {
      throw new WebhookVerificationError("Signed, but not an offergate delivery");
    }
    return {
      id: signed["webhook-id"],
      timestamp: new Date(Number(signed["webhook-timestamp"]) * 1000),
      webhookId: payload.webhookId,
      marketplaceId: payload.marketplaceId,
      events: payload.events,
    };
  }
}
