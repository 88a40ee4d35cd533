import { CreateWebhookDocument, FeedSubscriptionDocument } from "../generated/graphql";
import { flushTracing, startTracing, stopTracing, tracingEnabled } from "../../src/shared/tracing";
import { buildWorld } from "../helpers/exchange";
import { subscribe } from "../helpers/feed-client";
import { until } from "../helpers/live";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";
import { OtlpReceiver, type ReceivedSpan } from "../helpers/otlp-receiver";
import { WebhookReceiver } from "../helpers/webhook-receiver";
import type { StartOptions } from "../../src/app";

/**
 * Traces end to end: the whole service in this process, exporting by OTLP to
 * a real HTTP receiver in the test. A mutation through the gateway is one
 * trace: the gateway's spans (Hive's plugin), the subgraph's (reached over
 * HTTP with `traceparent`, or in process), a span per MongoDB command, and,
 * later, the push of the feed event it raised to a live subscription and the
 * webhook delivery of that event, which sends the trace on in `traceparent`.
 */
const WEBHOOK_ENV = { WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", WEBHOOK_POLL_MS: "500" };
const hooks: WebhookReceiver[] = [];
afterAll(async () => {
  for (const h of hooks) await h.stop();
});

/** A marketplace with an affiliated seller in stock, a live subscription to its feed and a webhook; `submit` raises one event. */
async function followedMarketplace(og: TestOffergate) {
  const w = await buildWorld(og.admin, 1);
  const m = w.ids[0]!;
  await w.affiliate(m);
  await w.setStock(w.sellerId, 5);
  const key = w.markets[0]!.apiKey;
  const hook = await new WebhookReceiver().start();
  hooks.push(hook);
  await og.as(key).data(CreateWebhookDocument, { input: { marketplaceId: m, url: hook.url } });
  const feed = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: null });
  // The subscription is live once a first event reaches it.
  await w.submit(m, 1000);
  await feed.waitForEvents(1);
  await hook.waitFor(() => hook.events().length >= 1, "the first delivery");
  return { w, m, hook, feed };
}

/** Every span of the trace reaches its root through parents that were all received: one tree, no orphans. */
function expectOneTree(spans: ReceivedSpan[]): void {
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId);
  expect(roots).toHaveLength(1);
  expect(spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
}

/** The ancestors of a span, nearest first. */
function ancestors(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const out: ReceivedSpan[] = [];
  for (let p = byId.get(span.parentSpanId); p; p = byId.get(p.parentSpanId)) out.push(p);
  return out;
}

describe("with OTEL_EXPORTER_OTLP_ENDPOINT unset", () => {
  it("traces nothing: no span, no traceparent stored with the event or sent with its delivery", async () => {
    const otlp = await new OtlpReceiver().start();
    const og = await startTestOffergate(WEBHOOK_ENV);
    try {
      expect(tracingEnabled()).toBe(false);
      const { w, m, hook, feed } = await followedMarketplace(og);
      await w.submit(m, 1001);
      await hook.waitFor(() => hook.events().length >= 2, "the second delivery");
      expect(hook.deliveries.every((d) => d.headers.traceparent === undefined)).toBe(true);
      await feed.close();
      await flushTracing();
      expect(otlp.spans).toEqual([]);
    } finally {
      await og.close();
      await otlp.stop();
    }
  }, 60_000);
});

describe.each<[string, StartOptions["subgraphTransport"]]>([
  ["subgraphs over HTTP", "http"],
  ["subgraphs in process", "in-process"],
])("with an OTLP endpoint, %s", (_, subgraphTransport) => {
  let otlp: OtlpReceiver;
  let og: TestOffergate;
  beforeAll(async () => {
    otlp = await new OtlpReceiver().start();
    await startTracing({ endpoint: otlp.endpoint, serviceName: "offergate-test" });
    og = await startTestOffergate(WEBHOOK_ENV, { subgraphTransport });
  }, 60_000);
  afterAll(async () => {
    await og?.close();
    await stopTracing();
    await otlp?.stop();
  });

  it("makes a mutation one trace: gateway, subgraph, MongoDB commands, then the feed push and the webhook delivery", async () => {
    const { w, m, hook, feed } = await followedMarketplace(og);
    const offer = await w.submit(m, 1234);
    await feed.waitForEvents(2);
    await hook.waitFor(() => hook.events().some((e) => e.price === 1234), "the delivery of the new price");

    // The delivery carries its span's context on to the receiver.
    const delivery = hook.acknowledged().find((d) => d.body.events.some((e) => e.price === 1234))!;
    const traceparent = String(delivery.headers.traceparent);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId, deliverySpanId] = traceparent.split("-");

    const spansOf = async () => {
      await flushTracing();
      return otlp.trace(traceId!);
    };
    const spans = await until(spansOf, (s) => s.some((x) => x.name === "offerFeed push") && s.some((x) => x.name === "webhook delivery"), 10_000, "the trace's spans");
    expect(otlp.rejected).toEqual([]);
    expectOneTree(spans);

    // The gateway: the request, the operation, the call to the exchange.
    const root = spans.find((s) => !s.parentSpanId)!;
    expect(root.attributes["hive.request"] ?? root.attributes["http.method"] ?? root.attributes["http.request.method"]).toBeTruthy();
    const operation = spans.find((s) => s.attributes["graphql.operation.name"] === "SubmitOffer");
    expect(operation).toBeDefined();
    const gatewayCall = spans.find((s) => s.attributes["hive.gateway.upstream.subgraph.name"] === "exchange");
    expect(gatewayCall).toBeDefined();

    // The subgraph, under the gateway's call to it.
    const subgraph = spans.find((s) => s.name === "subgraph exchange")!;
    expect(subgraph).toBeDefined();
    expect(ancestors(spans, subgraph)).toContainEqual(gatewayCall);

    // The database, under the subgraph: the offer written with its event in the outbox, the event appended to the feed.
    const db = spans.filter((s) => s.attributes["db.system"] === "mongodb");
    expect(db.length).toBeGreaterThan(0);
    for (const s of db) expect(ancestors(spans, s)).toContainEqual(expect.objectContaining({ name: expect.stringMatching(/^subgraph /) }));
    expect(db.map((s) => s.attributes["db.collection.name"])).toEqual(expect.arrayContaining(["offers"]));
    expect(db.some((s) => String(s.attributes["db.collection.name"]).startsWith("feed_events") && s.attributes["db.operation.name"] === "insert")).toBe(true);

    // The feed: the push to the live subscription and the webhook delivery, children of the span that raised the event.
    const push = spans.find((s) => s.name === "offerFeed push" && s.attributes["offergate.offer.id"] === offer.id)!;
    expect(push).toBeDefined();
    expect(ancestors(spans, push)).toContainEqual(subgraph);
    const webhook = spans.find((s) => s.name === "webhook delivery")!;
    expect(webhook.spanId).toBe(deliverySpanId);
    expect(webhook.attributes["offergate.webhook.outcome"]).toBe("delivered");
    expect(ancestors(spans, webhook)).toContainEqual(subgraph);

    await feed.close();
  }, 60_000);
});
