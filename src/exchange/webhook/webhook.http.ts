import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { traceHeaders } from "../../shared/tracing";
import { encodeFeedCursor } from "../feed/feed.cursor";
import type { FeedEventRecord } from "../feed/feed.model";
import type { PendingDelivery } from "./webhook.model";
import { literalPrivateAddress, PrivateTargetError, publicOnlyLookup } from "./webhook.target";

export const MAX_EVENTS_PER_DELIVERY = 100;

/**
 * The delivery of `events`: its id names the webhook, the position's epoch and
 * the events it carries, so the same events from the same position are the
 * same delivery (a consumer may drop a repeat by id), while a replay asked
 * with `after` is a new one.
 */
export function buildDelivery(webhookId: string, marketplaceId: string, epoch: number, events: readonly FeedEventRecord[]): PendingDelivery {
  const fromSeq = events[0]!.seq;
  const toSeq = events.at(-1)!.seq;
  const id = `msg_${createHash("sha256").update(`${webhookId}:${epoch}:${fromSeq}:${toSeq}`).digest("base64url").slice(0, 27)}`;
  const body = JSON.stringify({
    webhookId,
    marketplaceId,
    events: events.map((e) => ({
      cursor: encodeFeedCursor(e.marketplaceId, e.seq),
      type: e.type,
      marketplaceId: e.marketplaceId,
      offerId: e.offerId,
      available: e.available,
      quantity: e.quantity,
      price: e.price,
      unavailableReason: e.unavailableReason,
      occurredAt: new Date(e.occurredAt).toISOString(),
    })),
  });
  const traceparents = [...new Set(events.flatMap((e) => (e.traceparent ? [e.traceparent] : [])))];
  return { id, fromSeq, toSeq, body, ...(traceparents.length ? { traceparents } : {}) };
}

export type AttemptOutcome = "delivered" | "http_error" | "timeout" | "network_error" | "private_target" | "cancelled";

export interface AttemptResult {
  outcome: AttemptOutcome;
  /** For lastError; null when delivered. */
  error: string | null;
}

export interface PostOptions {
  timeoutMs: number;
  allowPrivateTargets: boolean;
  /** Aborts the attempt (the webhook was deleted, disabled or moved). */
  signal: AbortSignal;
}

// Keep-alive: a healthy endpoint's deliveries reuse one connection.
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 4 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 4 }),
};

const networkError = (error: NodeJS.ErrnoException): string => {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      return error.code ? `network error (${error.code})` : "network error";
  }
};

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/**
 * One attempt: a signed POST (Standard Webhooks headers, a new timestamp per
 * attempt), acknowledged by a 2xx within the timeout. Redirects are not
 * followed (a 3xx is a failure), and the connection only goes to an address
 * that passed the private-target check.
 */
export function postDelivery(url: string, secret: string, delivery: PendingDelivery, options: PostOptions): Promise<AttemptResult> {
  const target = new URL(url);
  if (!options.allowPrivateTargets) {
    const literal = literalPrivateAddress(target);
    if (literal) return Promise.resolve({ outcome: "private_target", error: new PrivateTargetError(literal, literal).message });
  }
  const now = new Date();
  const signature = new StandardWebhook(secret).sign(delivery.id, now, delivery.body);
  const body = Buffer.from(delivery.body);
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const client = target.protocol === "https:" ? https : http;
    const request = client.request(
      target,
      {
        method: "POST",
        agent: agents[target.protocol as "http:" | "https:"],
        lookup: options.allowPrivateTargets ? undefined : publicOnlyLookup,
        headers: {
          "content-type": "application/json",
          "content-length": body.length,
          "user-agent": "offergate-webhooks",
          "webhook-id": delivery.id,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": signature,
          // The delivery's span (when traced), so that the receiver's work joins the trace of the change it hears of.
          ...traceHeaders(),
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        // The answer's body is not needed; read it so the connection can be reused.
        response.resume();
        response.on("end", () =>
          finish(status >= 200 && status < 300 ? { outcome: "delivered", error: null } : { outcome: "http_error", error: `HTTP ${status}` }),
        );
        response.on("error", () => finish({ outcome: "network_error", error: "connection reset" }));
      },
    );
    const timer = setTimeout(() => {
      finish({ outcome: "timeout", error: `timeout after ${seconds(options.timeoutMs)}` });
      request.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish({ outcome: "cancelled", error: null });
      request.destroy();
    };
    options.signal.addEventListener("abort", onAbort);
    request.on("error", (error: NodeJS.ErrnoException) =>
      finish(error instanceof PrivateTargetError ? { outcome: "private_target", error: error.message } : { outcome: "network_error", error: networkError(error) }),
    );
    request.end(body);
  });
}

/** The pause before retry number `failures` (1 for the first): doubling from base, capped, ±20% jitter. */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 40));
  return Math.round(Math.min(maxMs, exponential * (0.8 + 0.4 * random())));
}
