import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The feed's live side, for `/metrics`: the exchange's subscribers and the
 * log reads that serve them, and the gateway's subscriptions and the slow
 * clients it cut off. Process-wide, like the database counters.
 */
export const feedRegistry = new Registry();

export const feedSubscribers = new Gauge({
  name: "offergate_feed_subscribers",
  help: "offerFeed subscribers served by this process's exchange",
  registers: [feedRegistry],
});

export const feedLogReads = new Counter({
  name: "offergate_feed_log_reads_total",
  help: "Reads of the feed log for subscribers: by the per-marketplace hub (one per ring from another process, or when a hand-over could not be taken), or by a subscriber catching up on its own",
  labelNames: ["reader"] as const,
  registers: [feedRegistry],
});

export const feedHandovers = new Counter({
  name: "offergate_feed_handovers_total",
  help: "Events this process appended and handed to its own live subscribers directly, without a read of the log (one per marketplace per flush)",
  registers: [feedRegistry],
});

export const feedQueueOverflows = new Counter({
  name: "offergate_feed_queue_overflows_total",
  help: "Live subscribers that fell too far behind the hub and went back to reading the log themselves",
  registers: [feedRegistry],
});

export const gatewaySubscriptions = new Gauge({
  name: "offergate_gateway_subscriptions",
  help: "Subscriptions this gateway runs (clients that share one live subscription count once)",
  registers: [feedRegistry],
});

export const gatewaySubscriptionsEnded = new Counter({
  name: "offergate_gateway_subscriptions_interrupted_total",
  help: "Subscriptions the gateway ended early, by reason (SLOW_CONSUMER, UPSTREAM_CLOSED)",
  labelNames: ["reason"] as const,
  registers: [feedRegistry],
});

export const gatewaySubscriptionsDirect = new Counter({
  name: "offergate_gateway_subscriptions_direct_total",
  help: "Shared live subscriptions that took their results directly from the subgraph answering them alone (in this process or over a WebSocket of their own)",
  registers: [feedRegistry],
});

export const feedDeliveryLag = new Histogram({
  name: "offergate_feed_delivery_lag_seconds",
  help: "From an event's occurredAt to its hand-over to an offerFeed subscriber of this process, by how it came (live: from the hub's queue; catch_up: read from the log by a subscriber behind)",
  labelNames: ["path"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
  registers: [feedRegistry],
});
