import { createGraphQLError } from "@graphql-tools/utils";
import { createMarketplace } from "../fixtures";
import { buildWorld } from "../helpers/exchange";
import { metric } from "../helpers/feed-client";
import { rawSocket, sseSubscribe, until, type RawSocket } from "../helpers/live";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

const FEED = "subscription($m: ID!, $after: String) { offerFeed(marketplaceId: $m, after: $after) { cursor type offerId } }";

/**
 * Live resources under their caps, each cap reached for real over real
 * sockets: subscriptions per socket, per key (WebSocket and SSE together),
 * sockets per address; a bad key at connection_init; a subscription refused
 * at the transport; and an account's live access ended at once (`closeKey`).
 */
let og: TestOffergate;
const open: RawSocket[] = [];
beforeAll(async () => {
  og = await startTestOffergate({
    MAX_SUBSCRIPTIONS_PER_SOCKET: "2",
    MAX_SUBSCRIPTIONS_PER_KEY: "3",
    MAX_SOCKETS_PER_ADDRESS: "4",
    FEED_SWEEP_INTERVAL_MS: "3600000",
  });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  // Every test leaves nothing behind.
  await until(() => og.app.gateway.sessions.stats(), (s) => s.sockets === 0 && s.subscriptions === 0, 10_000, "sessions to empty");
});
afterAll(() => og?.close());

const connect = (authorization?: string) => {
  const s = rawSocket(og.url, authorization);
  open.push(s);
  return s;
};
const bearer = (key: string) => `Bearer ${key}`;
const errorsOf = (s: RawSocket, id: string) => s.of(id).filter((m) => m.type === "error" || (m.type === "next" && m.payload.errors));

describe("connection_init", () => {
  it("closes an unknown or malformed key with 4401 instead of acknowledging it", async () => {
    for (const header of ["Bearer og_0123456789abcdef_nottherealsecretnottherealsecretnottherea", "Basic dXNlcjpwYXNz"]) {
      const s = connect(header);
      const { code, reason } = await s.closed;
      expect({ code, reason }).toEqual({ code: 4401, reason: "Unknown or revoked API key" });
      expect(s.messages.map((m) => m.type)).not.toContain("connection_ack");
    }
    // A good key, and no key (anonymous), are acknowledged.
    const market = await createMarketplace(og.admin);
    await connect(bearer(market.apiKey)).acked;
    await connect().acked;
  });
});

describe("subscriptions per socket", () => {
  it("refuses the one over MAX_SUBSCRIPTIONS_PER_SOCKET with RATE_LIMITED, and the others go on", async () => {
    const w = await buildWorld(og.admin, 1);
    const m = w.ids[0]!;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    const s = connect(bearer(w.markets[0]!.apiKey));
    await s.acked;
    for (const id of ["1", "2", "3"]) s.subscribe(id, FEED, { m, after: null });
    await until(() => errorsOf(s, "3"), (e) => e.length > 0, 10_000, "the third subscription's refusal");
    expect(s.of("3")).toEqual([
      {
        id: "3",
        type: "error",
        payload: [expect.objectContaining({ extensions: { code: "RATE_LIMITED", reason: "TOO_MANY_SUBSCRIPTIONS", limit: 2 } })],
      },
    ]);
    expect(s.of("3")[0]!.payload[0].message).toMatch(/at most 2/);
    await until(() => og.app.gateway.sessions.stats().subscriptions, (n) => n === 2, 10_000, "two subscriptions");
    // The two accepted ones are live, on a socket still open.
    await w.submit(m);
    for (const id of ["1", "2"]) await until(() => s.of(id).filter((x) => x.type === "next").length, (n) => n === 1, 10_000, `an event on ${id}`);
    // One ends: there is room again.
    s.complete("1");
    await until(() => og.app.gateway.sessions.stats().subscriptions, (n) => n === 1, 10_000, "one subscription");
    s.subscribe("4", FEED, { m, after: null });
    await until(() => og.app.gateway.sessions.stats().subscriptions, (n) => n === 2, 10_000, "the fourth accepted");
    expect(errorsOf(s, "4")).toEqual([]);
  });
});

describe("subscriptions per key", () => {
  it("counts WebSocket and SSE subscriptions of one account together, and other accounts apart", async () => {
    const [a, b] = await Promise.all([createMarketplace(og.admin), createMarketplace(og.admin)]);
    const ma = a.marketplace.id;
    const s1 = connect(bearer(a.apiKey));
    const s2 = connect(bearer(a.apiKey));
    await Promise.all([s1.acked, s2.acked]);
    s1.subscribe("1", FEED, { m: ma, after: null });
    s1.subscribe("2", FEED, { m: ma, after: "" });
    s2.subscribe("1", FEED, { m: ma, after: null });
    await until(() => og.app.gateway.sessions.stats().subscriptions, (n) => n === 3, 10_000, "three subscriptions");

    // The fourth, over SSE or on either socket: RATE_LIMITED.
    const sse = await sseSubscribe(og.url, FEED, { m: ma, after: null }, bearer(a.apiKey));
    await sse.ended;
    expect(sse.events).toEqual([
      { event: "next", data: { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: "RATE_LIMITED", reason: "TOO_MANY_SUBSCRIPTIONS" }) })] } },
      { event: "complete", data: null },
    ]);
    s2.subscribe("2", FEED, { m: ma, after: null });
    await until(() => errorsOf(s2, "2"), (e) => e.length > 0, 10_000, "the refusal on the second socket");
    expect(s2.of("2")[0]!.payload[0].extensions).toEqual({ code: "RATE_LIMITED", reason: "TOO_MANY_SUBSCRIPTIONS", limit: 3 });

    // Another account is not held back by this one.
    const other = await sseSubscribe(og.url, FEED, { m: b.marketplace.id, after: null }, bearer(b.apiKey));
    await until(() => og.app.gateway.sessions.stats().subscriptions, (n) => n === 4, 10_000, "the other account's subscription");
    other.abort();

    // One of the account's ends: its SSE subscription is taken.
    s1.complete("2");
    await until(() => og.app.gateway.sessions.stats().subscriptions, (n) => n === 2, 10_000, "two left");
    const again = await sseSubscribe(og.url, FEED, { m: ma, after: null }, bearer(a.apiKey));
    await until(() => og.app.gateway.sessions.stats().subscriptions, (n) => n === 3, 10_000, "the SSE subscription");
    expect(again.events.filter((e) => e.data?.errors)).toEqual([]);
    again.abort();
  });
});

describe("sockets per address", () => {
  it("closes the one over MAX_SOCKETS_PER_ADDRESS with 1013, and takes a new one once another left", async () => {
    const four = Array.from({ length: 4 }, () => connect());
    await Promise.all(four.map((s) => s.acked));
    const fifth = connect();
    expect(await fifth.closed).toEqual({ code: 1013, reason: "Too many connections from this address (at most 4)" });
    await four[0]!.close();
    await until(() => og.app.gateway.sessions.stats().sockets, (n) => n === 3, 10_000, "three sockets");
    await connect().acked;
  });
});

describe("a subscription refused at the transport", () => {
  it.each(["multipart/mixed", "application/json"])("with Accept: %s is answered 406 and leaves nothing running", async (accept) => {
    const w = await buildWorld(og.admin, 1);
    const m = w.ids[0]!;
    const gauges = async () => ({
      gateway: await metric(og.origin, "offergate_gateway_subscriptions"),
      exchange: await metric(og.origin, "offergate_feed_subscribers"),
      sessions: og.app.gateway.sessions.stats().subscriptions,
    });
    const before = await gauges();
    for (let i = 0; i < 5; i++) {
      const refused = await sseSubscribe(og.url, FEED, { m, after: "" }, bearer(w.markets[0]!.apiKey), accept);
      expect(refused.status).toBe(406);
    }
    // What the refused ones started is gone.
    await until(gauges, (g) => JSON.stringify(g) === JSON.stringify(before), 10_000, `the gauges back at ${JSON.stringify(before)}`);
    // And an accepted one still counts (the gauges are live).
    const sse = await sseSubscribe(og.url, FEED, { m, after: "" }, bearer(w.markets[0]!.apiKey));
    expect(sse.status).toBe(200);
    await until(gauges, (g) => g.gateway === before.gateway + 1 && g.exchange === before.exchange + 1, 10_000, "one subscription");
    sse.abort();
    await until(gauges, (g) => JSON.stringify(g) === JSON.stringify(before), 10_000, "the gauges back after the abort");
  });
});

describe("closeKey", () => {
  it("ends an account's subscriptions (with the result given) and closes its sockets with 4401", async () => {
    const [a, b] = await Promise.all([createMarketplace(og.admin), createMarketplace(og.admin)]);
    const ws = connect(bearer(a.apiKey));
    const kept = connect(bearer(b.apiKey));
    await Promise.all([ws.acked, kept.acked]);
    ws.subscribe("1", FEED, { m: a.marketplace.id, after: null });
    kept.subscribe("1", FEED, { m: b.marketplace.id, after: null });
    const sse = await sseSubscribe(og.url, FEED, { m: a.marketplace.id, after: null }, bearer(a.apiKey));
    await until(() => og.app.gateway.sessions.stats().subscriptions, (n) => n === 3, 10_000, "three subscriptions");

    const revoked = { errors: [createGraphQLError("The API key was revoked", { extensions: { code: "UNAUTHENTICATED" } })] };
    expect(og.app.gateway.sessions.closeKey(a.marketplace.id, revoked)).toEqual({ subscriptions: 2, sockets: 1 });
    expect(await ws.closed).toEqual({ code: 4401, reason: "API key revoked" });
    // Its subscription's last result came first.
    expect(ws.of("1")[0]).toEqual({ id: "1", type: "next", payload: { errors: [{ message: "The API key was revoked", extensions: { code: "UNAUTHENTICATED" } }] } });
    await sse.ended;
    expect(sse.events).toEqual([
      { event: "next", data: { errors: [{ message: "The API key was revoked", extensions: { code: "UNAUTHENTICATED" } }] } },
      { event: "complete", data: null },
    ]);
    // The other account's subscription goes on.
    expect(og.app.gateway.sessions.stats()).toMatchObject({ subscriptions: 1 });
    expect(kept.socket.readyState).toBe(1);
  });
});
