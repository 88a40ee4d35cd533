import { FeedSubscriptionDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { metric, readWholeFeed, subscribe } from "../helpers/feed-client";
import { rawSocket, until } from "../helpers/live";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * A client that stops reading its socket does not answer pings either. With
 * a subscription open it is a slow consumer, not a dead peer: after
 * SUBSCRIPTION_STALL_MS it gets the documented SLOW_CONSUMER error with the
 * cursor of the last event it was sent, then a 1008 close (graphql-ws's own
 * keep-alive dropped it as dead, 1006, after two ping intervals). A socket
 * with nothing waiting for it is still dropped as dead.
 */
const KEEPALIVE_MS = 100;
const STALL_MS = 1_500;
let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate({ WS_KEEPALIVE_MS: String(KEEPALIVE_MS), SUBSCRIPTION_STALL_MS: String(STALL_MS), FEED_SWEEP_INTERVAL_MS: "3600000" });
});
afterAll(() => og?.close());

it("a subscriber that stops reading is cut off with SLOW_CONSUMER and its cursor, not dropped by the keep-alive", async () => {
  const w = await buildWorld(og.admin, 1);
  const m = w.ids[0]!;
  await w.affiliate(m);
  await w.setStock(w.sellerId, 5);
  await w.submit(m);
  const sub = subscribe(og.url, w.markets[0]!.apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
  await sub.waitForEvents(1);
  const closed = new Promise<number>((resolve) => sub.socket()!.once("close", (code: number) => resolve(code)));
  const cutBefore = await metric(og.origin, "offergate_gateway_subscriptions_interrupted_total", 'reason="SLOW_CONSUMER"');

  // It stops reading; two more events are sent to it, and it answers no ping for many intervals.
  sub.socket()!.pause();
  const paused = Date.now();
  await w.setStock(w.sellerId, 0);
  await w.setStock(w.sellerId, 4);
  await until(
    () => metric(og.origin, "offergate_gateway_subscriptions_interrupted_total", 'reason="SLOW_CONSUMER"'),
    (n) => n === cutBefore + 1,
    10_000,
    "the cut-off",
  );
  // Not before the stall limit: 15 ping intervals, where graphql-ws's keep-alive dropped it after 2.
  expect(Date.now() - paused).toBeGreaterThanOrEqual(STALL_MS);
  await until(() => og.app.gateway.sessions.stats().subscriptions, (n) => n === 0, 5_000, "its subscription to end");

  // It reads again: the events already on their way, then why it was cut off and where to resume, then the close.
  sub.socket()!.resume();
  await sub.waitForEnd();
  const log = await readWholeFeed(og.admin, m);
  expect(sub.events.map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));
  expect(sub.events).toHaveLength(3);
  const last = sub.events.at(-1)!.cursor;
  expect(sub.errors).toEqual([
    expect.objectContaining({ extensions: { code: "RATE_LIMITED", reason: "SLOW_CONSUMER", resumeAfter: last } }),
  ]);
  expect(sub.ended()).toBe("complete");
  // The socket ends cleanly: the client closes it itself once its last subscription completed (1000), or the gateway does (1008); never a drop (1006).
  expect([1000, 1008]).toContain(await closed);
  await sub.close();

  // Resuming from that cursor misses nothing.
  await w.setStock(w.sellerId, 0);
  const resumed = subscribe(og.url, w.markets[0]!.apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: last });
  await resumed.waitForEvents(1);
  expect(resumed.events.map((e) => e.cursor)).toEqual((await readWholeFeed(og.admin, m)).slice(3).map((e) => e.cursor));
  await resumed.close();
});

it("a socket with nothing waiting for it that stops answering pings is dropped as dead", async () => {
  // The sockets of the test before are gone.
  await until(() => og.app.gateway.sessions.stats().sockets, (n) => n === 0, 10_000, "no socket open");
  const s = rawSocket(og.url);
  await s.acked;
  expect(og.app.gateway.sessions.stats().sockets).toBe(1);
  s.socket.pause();
  const paused = Date.now();
  await until(() => og.app.gateway.sessions.stats().sockets, (n) => n === 0, 10_000, "the dead socket to be dropped");
  // Well before the stall limit: two unanswered intervals are enough when nothing is owed to it.
  expect(Date.now() - paused).toBeLessThan(STALL_MS);
  s.socket.resume();
  expect((await s.closed).code).toBe(1006);
});
