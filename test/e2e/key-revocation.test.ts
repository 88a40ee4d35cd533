import { print } from "graphql";
import type WebSocket from "ws";
import { FeedSubscriptionDocument, RotateApiKeyDocument, ViewerDocument } from "../generated/graphql";
import { buildWorld, type World } from "../helpers/exchange";
import { subscribe, type FeedSubscriber } from "../helpers/feed-client";
import { errorCodes } from "../helpers/graphql-client";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";
import { REDIS_URL, describeWithRedis } from "../helpers/redis";

/**
 * Revocation ends live access: when a key is rotated, what it holds open
 * (WebSockets, subscriptions over WebSocket and SSE) ends with
 * UNAUTHENTICATED within 2 s on every gateway, while the new key's and
 * other accounts' go on; and concurrent rotations leave exactly one key.
 */
jest.setTimeout(60_000);

const ENDS_WITHIN_MS = 2_000;

/** The close code of a subscriber's socket, once it closes. */
const closeCode = (sub: FeedSubscriber<unknown>) =>
  new Promise<number>((resolve) => {
    const socket = sub.socket() as WebSocket;
    if (socket.readyState === socket.CLOSED) return resolve(-1);
    socket.once("close", (code) => resolve(code));
  });

/** An SSE subscription (GraphQL over SSE, distinct connections mode): the events' data, and whether it completed. */
function sse(url: string, apiKey: string, variables: Record<string, unknown>) {
  const results: { data?: any; errors?: { extensions?: { code?: string; reason?: string } }[] }[] = [];
  let completed = false;
  const abort = new AbortController();
  const done = (async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query: print(FeedSubscriptionDocument), variables }),
      signal: abort.signal,
    });
    const decoder = new TextDecoder();
    let text = "";
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n")) {
        const message = text.slice(0, end);
        text = text.slice(end + 2);
        if (/^event: complete/m.test(message)) completed = true;
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (data && /^event: next/m.test(message)) results.push(JSON.parse(data));
      }
    }
  })().catch(() => undefined);
  return { results, completed: () => completed, done, close: () => abort.abort() };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A marketplace with one event in its feed, and its key. */
async function marketWithEvent(admin: TestOffergate["admin"]): Promise<{ w: World; m: string; key: string }> {
  const w = await buildWorld(admin, 1);
  const m = w.ids[0]!;
  await w.affiliate(m);
  await w.setStock(w.sellerId, 5);
  await w.submit(m, 100);
  return { w, m, key: w.markets[0]!.apiKey };
}

describe("one gateway (embedded)", () => {
  let mongo: TestMongo;
  let og: TestOffergate;
  beforeAll(async () => {
    mongo = await startTestMongo();
    og = await startTestOffergate({ MONGODB_URI: mongo.server.uri });
  });
  afterAll(async () => {
    await og?.close();
    await mongo?.stop();
  });

  it("a rotation ends the old key's WebSocket subscriptions and sockets with UNAUTHENTICATED; the new key's and another account's go on", async () => {
    const { w, m, key } = await marketWithEvent(og.admin);
    const other = await marketWithEvent(og.admin);
    const old = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    // A live-only subscription too: identical ones share one stream at the gateway.
    const oldLive = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: null });
    const bystander = subscribe(og.url, other.key, FeedSubscriptionDocument, { marketplaceId: other.m, after: "" });
    await Promise.all([old.waitForEvents(1), bystander.waitForEvents(1)]);
    await until(() => oldLive.socket() !== undefined, 5_000, "the live subscription's socket");
    const closes = [closeCode(old), closeCode(oldLive)];

    const started = Date.now();
    const { rotateApiKey } = await og.as(key).data(RotateApiKeyDocument, {});
    await Promise.all([old.waitForEnd(ENDS_WITHIN_MS + 1_000), oldLive.waitForEnd(ENDS_WITHIN_MS + 1_000)]);
    const took = Date.now() - started;
    process.stdout.write(`[revocation] old key's WebSocket subscriptions ended ${took} ms after rotateApiKey was sent\n`);
    expect(took).toBeLessThan(ENDS_WITHIN_MS);
    for (const sub of [old, oldLive]) {
      expect(sub.ended()).toBe("error");
      expect(sub.errors.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([["UNAUTHENTICATED", "KEY_REVOKED"]]);
    }
    expect(await Promise.all(closes)).toEqual([4401, 4401]);

    // The new key subscribes (sharing the live stream the old one started, if it still runs) and gets what comes next.
    const fresh = subscribe(og.url, rotateApiKey.apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: null });
    const freshReplay = subscribe(og.url, rotateApiKey.apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    await freshReplay.waitForEvents(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await w.submit(m, 200);
    await other.w.submit(other.m, 300);
    await Promise.all([fresh.waitForEvents(1), freshReplay.waitForEvents(2), bystander.waitForEvents(2)]);
    expect(fresh.events.map((e) => e.price)).toEqual([200]);
    for (const sub of [fresh, freshReplay, bystander]) expect([sub.ended(), sub.errors]).toEqual([undefined, []]);
    // A socket opened with the old key now is refused (at connection_init, with 4401).
    const late = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    await late.waitForEnd();
    expect(late.errors.map((e) => e.extensions?.code ?? e.message)).toEqual([expect.stringMatching(/UNAUTHENTICATED|4401/)]);
    await Promise.all([fresh, freshReplay, bystander, old, oldLive, late].map((s) => s.close()));
  });

  it("a rotation ends the old key's SSE subscription with an UNAUTHENTICATED result and `complete`", async () => {
    const { m, key } = await marketWithEvent(og.admin);
    const stream = sse(og.url, key, { marketplaceId: m, after: "" });
    await until(() => stream.results.length >= 1, 10_000, "the first SSE event");
    expect(stream.results[0]!.data?.offerFeed?.price).toBe(100);

    const started = Date.now();
    const { rotateApiKey } = await og.as(key).data(RotateApiKeyDocument, {});
    await until(() => stream.completed(), ENDS_WITHIN_MS + 1_000, "the SSE stream to complete");
    const took = Date.now() - started;
    process.stdout.write(`[revocation] old key's SSE subscription completed ${took} ms after rotateApiKey was sent\n`);
    expect(took).toBeLessThan(ENDS_WITHIN_MS);
    expect(stream.results.at(-1)!.errors?.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([["UNAUTHENTICATED", "KEY_REVOKED"]]);
    await stream.done;

    // The new key's SSE subscription is not touched by a later rotation of another account.
    const fresh = sse(og.url, rotateApiKey.apiKey, { marketplaceId: m, after: "" });
    await until(() => fresh.results.length >= 1, 10_000, "the new key's first SSE event");
    const other = await marketWithEvent(og.admin);
    await og.as(other.key).data(RotateApiKeyDocument, {});
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fresh.completed()).toBe(false);
    expect(fresh.results.every((r) => r.errors === undefined)).toBe(true);
    fresh.close();
  });

  it("of 6 rotations in parallel, every time, exactly one key works: the one written last", async () => {
    const keysCollection = (await mongo.connect({ dbName: new URL(og.app.mongoUri).pathname.slice(1) || "offergate" })).db!;
    for (let round = 0; round < 5; round++) {
      const { w, m, key } = await marketWithEvent(og.admin);
      const market = w.markets[0]!;
      const before = subscribe(og.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
      await before.waitForEvents(1);
      // Half by the account itself, half by the admin.
      const issued = await Promise.all(
        Array.from({ length: 6 }, async (_, i) =>
          (await (i % 2 ? og.admin : og.as(key)).data(RotateApiKeyDocument, { accountId: market.marketplace.id })).rotateApiKey.apiKey,
        ),
      );
      expect(new Set(issued).size).toBe(6);
      const codes = await Promise.all([key, ...issued].map(async (k) => errorCodes(await og.as(k).execute(ViewerDocument))[0] ?? "OK"));
      expect(codes.filter((c) => c === "OK")).toHaveLength(1);
      expect(codes.filter((c) => c === "UNAUTHENTICATED")).toHaveLength(6);
      const working = [key, ...issued][codes.indexOf("OK")]!;
      const current = await keysCollection.collection("account_keys").findOne({ _id: market.marketplace.id as never });
      expect(current).toMatchObject({ generation: 6, keyId: working.slice(3, 19) });
      // What the first key held is gone.
      await before.waitForEnd(ENDS_WITHIN_MS + 1_000);
      expect(before.errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
      await before.close();
    }
  });
});

describeWithRedis("two gateway replicas on one database and one Redis", () => {
  let mongo: TestMongo;
  let a: TestOffergate;
  let b: TestOffergate;
  beforeAll(async () => {
    mongo = await startTestMongo();
    const shared = { MONGODB_URI: mongo.server.uri, REDIS_URL };
    a = await startTestOffergate(shared);
    b = await startTestOffergate({ ...shared, ADMIN_API_KEY: a.adminApiKey });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await mongo?.stop();
  });

  it("a key rotated through one replica loses its subscriptions and sockets on the other within 2 s", async () => {
    const { w, m, key } = await marketWithEvent(a.admin);
    const onB = subscribe(b.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    const onA = subscribe(a.url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    const stream = sse(b.url, key, { marketplaceId: m, after: "" });
    await Promise.all([onB.waitForEvents(1), onA.waitForEvents(1), until(() => stream.results.length >= 1, 10_000, "the SSE event")]);
    const closedOnB = closeCode(onB);

    const started = Date.now();
    const { rotateApiKey } = await a.as(key).data(RotateApiKeyDocument, {});
    await Promise.all([onB.waitForEnd(ENDS_WITHIN_MS + 1_000), onA.waitForEnd(ENDS_WITHIN_MS + 1_000), until(() => stream.completed(), ENDS_WITHIN_MS + 1_000, "SSE")]);
    const took = Date.now() - started;
    process.stdout.write(`[revocation] across replicas: ended ${took} ms after rotateApiKey was sent\n`);
    expect(took).toBeLessThan(ENDS_WITHIN_MS);
    expect(onB.errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(onA.errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(await closedOnB).toBe(4401);
    expect(stream.results.at(-1)!.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    // The new key streams on B.
    const fresh = subscribe(b.url, rotateApiKey.apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    await fresh.waitForEvents(1);
    await w.submit(m, 150);
    await fresh.waitForEvents(2);
    expect(fresh.errors).toEqual([]);
    await Promise.all([onA, onB, fresh].map((s) => s.close()));
  });

  it("6 rotations in parallel across both replicas leave exactly one working key, on both", async () => {
    for (let round = 0; round < 3; round++) {
      const { w, key } = await marketWithEvent(a.admin);
      const id = w.markets[0]!.marketplace.id;
      const issued = await Promise.all(
        Array.from({ length: 6 }, async (_, i) => (await (i % 2 ? b : a).admin.data(RotateApiKeyDocument, { accountId: id })).rotateApiKey.apiKey),
      );
      for (const gw of [a, b]) {
        const codes = await Promise.all([key, ...issued].map(async (k) => errorCodes(await gw.as(k).execute(ViewerDocument))[0] ?? "OK"));
        expect(codes.filter((c) => c === "OK")).toHaveLength(1);
      }
    }
  });
});
