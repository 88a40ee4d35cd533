import { Counter, Gauge, Histogram } from "prom-client";
import { feedRegistry } from "./feed-metrics";

/**
 * Webhook deliveries, for `/metrics` (served with the feed's metrics). The
 * gauges cover the webhooks this process delivers, so that replicas' figures
 * add up without counting a webhook twice.
 */
export const webhookDeliveries = new Counter({
  name: "offergate_webhook_deliveries_total",
  help: "Webhook delivery attempts, by outcome: delivered, http_error, timeout, network_error, private_target",
  labelNames: ["outcome"] as const,
  registers: [feedRegistry],
});

export const webhookDeliveryLatency = new Histogram({
  name: "offergate_webhook_delivery_latency_seconds",
  help: "From an event entering the feed to its webhook acknowledging the delivery that carried it (the delivery's last event)",
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [feedRegistry],
});

export interface WebhookStats {
  backlog: number;
  lagSeconds: number;
}

/** The deliverers running in this process (one, except in tests that run replicas side by side). */
export const webhookStatsSources = new Set<() => Promise<WebhookStats>>();

/** One read of every deliverer's figures, shared by the gauges scraped together. */
let gathering: Promise<WebhookStats> | null = null;
function gatherStats(): Promise<WebhookStats> {
  gathering ??= Promise.all([...webhookStatsSources].map((source) => source().catch(() => ({ backlog: 0, lagSeconds: 0 }))))
    .then((all) => ({
      backlog: all.reduce((sum, s) => sum + s.backlog, 0),
      lagSeconds: all.reduce((max, s) => Math.max(max, s.lagSeconds), 0),
    }))
    .finally(() => setImmediate(() => (gathering = null)));
  return gathering;
}

// Read from the database when scraped, not kept up to date on every event.
export const webhookBacklog = new Gauge({
  name: "offergate_webhook_backlog_events",
  help: "Feed events not yet acknowledged, summed over the webhooks this process delivers",
  registers: [feedRegistry],
  async collect() {
    this.set((await gatherStats()).backlog);
  },
});

export const webhookLag = new Gauge({
  name: "offergate_webhook_lag_seconds",
  help: "Age of the oldest feed event not yet acknowledged, over the webhooks this process delivers (0: none waiting)",
  registers: [feedRegistry],
  async collect() {
    this.set((await gatherStats()).lagSeconds);
  },
});

export const webhooksHeld = new Gauge({
  name: "offergate_webhooks_delivering",
  help: "Webhooks this process holds the delivery lease of",
  registers: [feedRegistry],
});
