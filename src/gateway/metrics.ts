import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** One registry per process: default Node metrics plus the gateway's own. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "offergate_" });
  const requests = new Counter({
    name: "offergate_http_requests_total",
    help: "HTTP requests served, by route and status",
    labelNames: ["route", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "offergate_http_request_duration_seconds",
    help: "HTTP request duration, by route",
    labelNames: ["route"] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const wsConnections = new Counter({
    name: "offergate_ws_connections_total",
    help: "WebSocket connections accepted",
    registers: [registry],
  });
  return { registry, requests, duration, wsConnections };
}

export type Metrics = ReturnType<typeof createMetrics>;
