import { print } from "graphql";
import { FeedSubscriptionDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { metric } from "../helpers/feed-client";
import { GraphQLClient } from "../helpers/graphql-client";
import { rawSocket, sseSubscribe, until } from "../helpers/live";
import { runNode, type RunningProcess } from "../helpers/processes";

/**
 * What an operator's collector reads: the service's stdout, one JSON object a
 * line (its own, and the gateway runtime's), one line per HTTP request and
 * per WebSocket session; and the Prometheus series on `/metrics`. The real
 * service as its own process (`node dist/main.js`), real clients.
 */
const ADMIN_API_KEY = "og_admin_logs_metrics_test_key_0123456789";
/** Sent inside queries and variables: a log line must never carry it. */
const SECRET = "s3cret-marker-7f2c";

interface Service {
  p: RunningProcess;
  url: string;
  origin: string;
  /** What it wrote to stdout only. */
  stdout(): string;
  /** Its stdout, line by line, parsed (a line that is not JSON fails the test). */
  lines(): Record<string, any>[];
}

const running: RunningProcess[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop("SIGKILL")));
});

async function startService(logLevel: string): Promise<Service> {
  const p = runNode("main.js", { HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: logLevel, ADMIN_API_KEY, FEED_SWEEP_INTERVAL_MS: "3600000" });
  running.push(p);
  let stdout = "";
  p.child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  const [, url] = await p.waitFor(/offergate listening on (\S+)/, 60_000);
  return {
    p,
    url: url!,
    origin: new URL(url!).origin,
    stdout: () => stdout,
    lines: () =>
      stdout
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, any>;
          } catch {
            throw new Error(`not a JSON line on stdout: ${l}`);
          }
        }),
  };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });

describe("logs and metrics of the running service", () => {
  let s: Service;
  beforeAll(async () => {
    s = await startService("debug");
  }, 90_000);
  afterAll(() => s.p.stop("SIGKILL"));
  /** The first stdout line `pick` finds, waited for. */
  const lineWhere = async (pick: (line: Record<string, any>) => boolean, what: string) => (await until(() => s.lines().find(pick), Boolean, 10_000, what))!;
  const requestLine = (requestId: string) => lineWhere((l) => l.message === "http request" && l.requestId === requestId, `the line of ${requestId}`);

  it("writes only JSON lines on stdout; the human lines (where it listens) go to stderr", () => {
    expect(s.stdout()).not.toContain("listening on");
    const lines = s.lines();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), message: expect.any(String) });
  });

  it("logs a request once: its id, operation name and type, principal kind, status, duration", async () => {
    const response = await post(
      s.url,
      { query: "query MyMarketplaces { marketplaces(first: 1) { totalCount } }", operationName: "MyMarketplaces", variables: { note: SECRET } },
      { authorization: `Bearer ${ADMIN_API_KEY}`, "x-request-id": "req-logs-1" },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("req-logs-1");
    const line = await requestLine("req-logs-1");
    expect(line).toMatchObject({
      level: "info",
      requestId: "req-logs-1",
      method: "POST",
      path: "/graphql",
      status: 200,
      operationName: "MyMarketplaces",
      operationType: "query",
      principalKind: "ADMIN",
    });
    expect(line.durationMs).toBeGreaterThan(0);
    expect(line.errorCodes).toBeUndefined();
    expect(s.lines().filter((l) => l.requestId === "req-logs-1" && l.message === "http request")).toHaveLength(1);
  });

  it("gives a request without a usable X-Request-ID one of its own, and sends it back", async () => {
    const response = await post(s.url, { query: "{ viewer { kind } }" }, { "x-request-id": "bad id, with spaces" });
    const id = response.headers.get("x-request-id")!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await requestLine(id)).toMatchObject({ principalKind: "ANONYMOUS", operationType: "query", status: 200 });
  });

  it("logs refused requests with their error codes, at info; the runtime's report of a client's error is not an error line", async () => {
    await post(s.url, { query: "{ viewer { kind } }" }, { authorization: "Bearer og_unknown_key_0123456789abcdef", "x-request-id": "req-logs-unauth" });
    await post(s.url, { query: `{ viewer { nope(x: "${SECRET}") } }` }, { "x-request-id": "req-logs-invalid" });
    await post(s.url, { query: `{ viewer { "${SECRET}` }, { "x-request-id": "req-logs-unparsed" });
    expect(await requestLine("req-logs-unauth")).toMatchObject({ errorCodes: ["UNAUTHENTICATED"], level: "info" });
    expect(await requestLine("req-logs-invalid")).toMatchObject({ errorCodes: ["BAD_USER_INPUT"], operationType: "query", status: 200 });
    const unparsed = await requestLine("req-logs-unparsed");
    expect(unparsed).toMatchObject({ errorCodes: ["BAD_USER_INPUT"] });
    expect(unparsed.operationType).toBeUndefined();
    expect(s.lines().filter((l) => l.level === "error")).toEqual([]);
  });

  it("logs a request the HTTP server refuses before the runtime, with its code", async () => {
    const response = await fetch(s.url, { method: "POST", headers: { "content-type": "text/plain", "x-request-id": "req-logs-415" }, body: "{}" });
    expect(response.status).toBe(415);
    expect(await requestLine("req-logs-415")).toMatchObject({ status: 415, errorCodes: ["BAD_USER_INPUT"], route: "graphql" });
  });

  it("logs a WebSocket session when it closes, and an SSE stream when it ends, with their subscriptions and events", async () => {
    const admin = new GraphQLClient(s.url).as(ADMIN_API_KEY);
    const w = await buildWorld(admin, 1);
    const m = w.ids[0]!;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    const key = w.markets[0]!.apiKey;

    const ws = rawSocket(s.url, `Bearer ${key}`);
    await ws.acked;
    ws.subscribe("1", print(FeedSubscriptionDocument), { marketplaceId: m });
    const sse = await sseSubscribe(s.url, print(FeedSubscriptionDocument), { marketplaceId: m }, `Bearer ${key}`);
    expect(sse.status).toBe(200);
    // Both subscribed before the event exists: it reaches them live.
    await until(() => metric(s.origin, "offergate_feed_subscribers"), (n) => n >= 1, 10_000, "the feed's subscribers");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await w.submit(m, 100);
    await until(() => ws.of("1").filter((x) => x.type === "next").length, (n) => n >= 1, 10_000, "the WebSocket event");
    await until(() => sse.events.filter((e) => e.event === "next").length, (n) => n >= 1, 10_000, "the SSE event");
    ws.subscribe("2", "subscription { nope }");
    await until(() => ws.of("2").length, (n) => n >= 1, 10_000, "the refused subscription's answer");
    await ws.close();
    sse.abort();

    const session = await lineWhere((l) => l.message === "websocket session" && l.principalKind === "MARKETPLACE", "the session line");
    expect(session).toMatchObject({ closeCode: 1000, subscriptions: 2, operations: 2, errorCodes: ["BAD_USER_INPUT"] });
    expect(session.durationMs).toBeGreaterThan(0);
    expect(session.requestId).toEqual(expect.any(String));
    const stream = await lineWhere(
      (l) => l.message === "http request" && l.operationType === "subscription" && l.principalKind === "MARKETPLACE",
      "the SSE stream's line",
    );
    expect(stream).toMatchObject({ status: 200, operationName: "FeedSubscription" });
    expect(stream.events).toBeGreaterThanOrEqual(1);

    expect(await metric(s.origin, "offergate_feed_delivery_lag_seconds_count", 'path="live"')).toBeGreaterThanOrEqual(2);
    expect(await metric(s.origin, "offergate_ws_session_duration_seconds_count", 'close_code="1000"')).toBeGreaterThanOrEqual(1);
    expect(await metric(s.origin, "offergate_graphql_operations_total", 'operation="FeedSubscription",type="subscription",transport="ws"')).toBe(1);
    expect(await metric(s.origin, "offergate_graphql_operations_total", 'operation="FeedSubscription",type="subscription",transport="http"')).toBe(1);
  });

  it("serves series per operation, per error code and per subgraph call", async () => {
    expect(await metric(s.origin, "offergate_graphql_operations_total", 'operation="MyMarketplaces",type="query",transport="http"')).toBe(1);
    expect(await metric(s.origin, "offergate_graphql_operation_duration_seconds_count", 'operation="MyMarketplaces",type="query"')).toBe(1);
    expect(await metric(s.origin, "offergate_graphql_errors_total", 'code="UNAUTHENTICATED"')).toBeGreaterThanOrEqual(1);
    expect(await metric(s.origin, "offergate_graphql_errors_total", 'code="BAD_USER_INPUT"')).toBeGreaterThanOrEqual(2);
    expect(await metric(s.origin, "offergate_subgraph_request_duration_seconds_count", 'subgraph="accounts",type="query",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(await metric(s.origin, "offergate_subgraph_request_duration_seconds_count", 'subgraph="exchange",type="mutation",outcome="ok"')).toBeGreaterThanOrEqual(1);
  });

  it("writes no query text nor variable into any line, the runtime's debug lines included", () => {
    expect(s.lines().some((l) => l.source === "runtime")).toBe(true);
    expect(s.stdout()).not.toContain(SECRET);
  });
});

it("LOG_LEVEL=silent: serves, refuses, and writes nothing on stdout", async () => {
  const s = await startService("silent");
  const ok = await post(s.url, { query: "{ viewer { kind } }" });
  expect(ok.status).toBe(200);
  const refused = await post(s.url, { query: "{ viewer { kind } }" }, { authorization: "Bearer og_unknown_key_0123456789abcdef" });
  expect((await refused.json()).errors[0].extensions.code).toBe("UNAUTHENTICATED");
  const ws = rawSocket(s.url);
  await ws.acked;
  await ws.close();
  expect((await fetch(`${s.origin}/health`)).status).toBe(200);
  expect(s.stdout()).toBe("");
  expect(s.p.child.exitCode).toBeNull();
}, 90_000);
