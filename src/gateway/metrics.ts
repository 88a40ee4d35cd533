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

/** Distinct values a label takes before the rest are counted as "other": a client names its operations, and each name would be a series. */
export class LabelCap {
  private readonly seen = new Set<string>();
  constructor(readonly limit = 100) {}

  /** The value itself while it is among the first `limit` seen, else "other". */
  label(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return "other";
    this.seen.add(value);
    return value;
  }
}

/**
 * GraphQL operations, their errors and the subgraph calls they make, for
 * `/metrics`. Process-wide, like the database and feed counters: the label
 * cap then holds across every gateway of the process.
 */
export const operationRegistry = new Registry();

export const operationNames = new LabelCap(100);

export const operationsTotal = new Counter({
  name: "offergate_graphql_operations_total",
  help: "GraphQL operations received, by operation name (the first 100 names, then \"other\"), type and transport (http, ws)",
  labelNames: ["operation", "type", "transport"] as const,
  registers: [operationRegistry],
});

export const operationDuration = new Histogram({
  name: "offergate_graphql_operation_duration_seconds",
  help: "GraphQL requests over HTTP from the request to the end of the response, by operation name and type (a subscription over SSE: the stream's life)",
  labelNames: ["operation", "type"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
  registers: [operationRegistry],
});

export const graphqlErrors = new Counter({
  name: "offergate_graphql_errors_total",
  help: "Errors sent to clients, by the contract's error code",
  labelNames: ["code"] as const,
  registers: [operationRegistry],
});

export const subgraphCalls = new Histogram({
  name: "offergate_subgraph_request_duration_seconds",
  help: "Calls from the gateway to a subgraph, by subgraph, operation type and outcome (ok, error: the answer carried errors or the call failed); a subscription: until its stream is handed back",
  labelNames: ["subgraph", "type", "outcome"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [operationRegistry],
});

export const wsSessions = new Histogram({
  name: "offergate_ws_session_duration_seconds",
  help: "WebSocket sessions from open to close, by close code",
  labelNames: ["close_code"] as const,
  buckets: [1, 10, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600],
  registers: [operationRegistry],
});
