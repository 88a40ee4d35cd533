import { parse, print } from "graphql";
import { FeedSubscriptionDocument, FeedSubscriptionWithOfferDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { metric, readWholeFeed } from "../helpers/feed-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";
import { subscribeSse } from "../helpers/sse-client";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds, for at most `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(25)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/**
 * Subscriptions over Server-Sent Events, the GraphQL over SSE protocol's
 * "distinct connections" mode, with the graphql-sse client: the same feed,
 * the same rules and the same errors as over graphql-transport-ws.
 */
describe("offerFeed over SSE (graphql-sse, distinct connections)", () => {
  let og: TestOffergate;
  beforeAll(async () => {
    og = await startTestOffergate();
  });
  afterAll(() => og.close());

  /** A marketplace with one affiliated seller in stock, and that marketplace's key. */
  async function marketplaceInStock() {
    const w = await buildWorld(og.admin, 2);
    const m = w.ids[0]!;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    return { w, m, key: w.markets[0]!.apiKey };
  }

  it("answers POST /graphql with Accept: text/event-stream as an event stream of next and complete events", async () => {
    const { w, m, key } = await marketplaceInStock();
    await w.submit(m, 10);
    const controller = new AbortController();
    const response = await fetch(og.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: print(FeedSubscriptionDocument), variables: { marketplaceId: m, after: "" } }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = "";
    // A comment line (":") comes first, to open the stream: read on to the end of the first event.
    while (!/event: next\ndata: [^\n]*\n\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended with ${JSON.stringify(text)}`);
      text += new TextDecoder().decode(value);
    }
    const message = text.split("\n\n").find((m) => m.includes("event: next"))!;
    const data = JSON.parse(message.split("\n").find((l) => l.startsWith("data:"))!.slice(5));
    expect(data.data.offerFeed).toMatchObject({ type: "ELIGIBLE", price: 10, marketplaceId: m });
    controller.abort();
  });

  it("replays after a cursor, then streams live events, with no gap and no duplicate at the seam", async () => {
    const { w, m, key } = await marketplaceInStock();
    for (let price = 1; price <= 5; price++) await w.submit(m, price);
    const sub = subscribeSse(og.url, key, FeedSubscriptionWithOfferDocument, { marketplaceId: m, after: "" });
    // Mutations race the replay: the seam falls somewhere among them.
    for (let price = 6; price <= 15; price++) await w.submit(m, price);
    const log = await readWholeFeed(og.admin, m);
    expect(log).toHaveLength(15);
    await sub.waitForEvents(15);
    await sleep(200); // an extra event would arrive now
    expect(sub.errors).toEqual([]);
    expect(sub.events.map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));
    expect(sub.events.map((e) => e.price)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    // Fields of other subgraphs resolve over SSE too.
    expect(sub.events.at(-1)!.offer).toMatchObject({ price: 15, product: { id: w.productId }, seller: { id: w.sellerId } });
    sub.close();
  });

  it("a consumer that reconnects with its last cursor misses nothing of what happened while it was away", async () => {
    const { w, m, key } = await marketplaceInStock();
    const subscribers = () => metric(og.origin, "offergate_feed_subscribers");
    const before = await subscribers();
    const first = subscribeSse(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    for (let price = 1; price <= 3; price++) await w.submit(m, price);
    await first.waitForEvents(3);
    first.close();
    // Closing the stream ends the subscription in the service.
    await eventually(async () => (await subscribers()) === before, "the subscription to end in the service");

    await w.setStock(w.sellerId, 0);
    for (let price = 4; price <= 5; price++) await w.submit(m, price);
    await w.setStock(w.sellerId, 9);
    const resumed = subscribeSse(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: first.events.at(-1)!.cursor });
    await w.submit(m, 6);
    const log = await readWholeFeed(og.admin, m);
    await resumed.waitForEvents(log.length - 3);
    await sleep(200);
    expect([...first.events, ...resumed.events].map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));
    expect(resumed.events.map((e) => [e.type, e.price, e.quantity])).toEqual([
      ["INELIGIBLE", 3, 0],
      ["ELIGIBLE", 5, 9],
      ["UPDATED", 6, 9],
    ]);
    resumed.close();
  });

  it("after: null streams live events only", async () => {
    const { w, m, key } = await marketplaceInStock();
    await w.submit(m, 1);
    const subscribers = () => metric(og.origin, "offergate_feed_subscribers");
    const before = await subscribers();
    const live = subscribeSse(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: null });
    await eventually(async () => (await subscribers()) > before, "the subscription to reach the exchange");
    await w.submit(m, 2);
    await live.waitForEvents(1);
    await sleep(200);
    expect(live.events.map((e) => [e.type, e.price])).toEqual([["UPDATED", 2]]);
    live.close();
  });

  it("takes the key from the Authorization header: none or unknown is UNAUTHENTICATED, another marketplace's is FORBIDDEN", async () => {
    const { w, m } = await marketplaceInStock();
    const codes = async (apiKey: string | undefined) => {
      const sub = subscribeSse(og.url, apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
      await sub.waitForEnd();
      sub.close();
      expect(sub.events).toEqual([]);
      return sub.errors.map((e) => e.extensions?.code);
    };
    expect(await codes(undefined)).toEqual(["UNAUTHENTICATED"]);
    expect(await codes("og_mkt_not_a_key")).toEqual(["UNAUTHENTICATED"]);
    expect(await codes(w.markets[1]!.apiKey)).toEqual(["FORBIDDEN"]);
    // An invalid operation too: its errors come in the stream, not as an HTTP status the client cannot read.
    const invalid = subscribeSse(og.url, og.adminApiKey, parse("subscription { offerFeed(marketplaceId: 1) { nope } }"), {});
    await invalid.waitForEnd();
    expect(invalid.errors.length).toBeGreaterThan(0);
    expect(new Set(invalid.errors.map((e) => e.extensions?.code))).toEqual(new Set(["BAD_USER_INPUT"]));
    await w.submit(m, 1);
    const asAdmin = subscribeSse(og.url, og.adminApiKey, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    await asAdmin.waitForEvents(1);
    expect([asAdmin.errors, asAdmin.events.map((e) => e.price)]).toEqual([[], [1]]);
    asAdmin.close();
  });
});
