import mongoose from "mongoose";
import { CreateWebhookDocument, DeleteWebhookDocument, UpdateWebhookDocument, WebhooksDocument } from "../generated/graphql";
import { createSeller } from "../fixtures";
import { buildWorld } from "../helpers/exchange";
import { metric, readWholeFeed } from "../helpers/feed-client";
import { errorCodes, type GraphQLClient } from "../helpers/graphql-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";
import { verifyDelivery, WebhookReceiver } from "../helpers/webhook-receiver";

/**
 * Webhooks end to end: the whole service, real HTTP receivers on loopback
 * (allowed here by WEBHOOK_ALLOW_PRIVATE_TARGETS), deliveries checked with
 * the Standard Webhooks library.
 */
let og: TestOffergate;
const receivers: WebhookReceiver[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  og = await startTestOffergate({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    WEBHOOK_RETRY_BASE_MS: "100",
    WEBHOOK_RETRY_MAX_MS: "400",
    WEBHOOK_MAX_FAILURES: "4",
    WEBHOOK_TIMEOUT_MS: "1000",
    WEBHOOK_POLL_MS: "500",
  });
});
afterAll(async () => {
  for (const r of receivers) await r.stop();
  await og?.close();
});

const receiver = async () => {
  const r = await new WebhookReceiver().start();
  receivers.push(r);
  return r;
};

/** A marketplace with an affiliated seller in stock; `submit(price)` makes one feed event. */
async function marketplace() {
  const w = await buildWorld(og.admin, 1);
  const m = w.ids[0]!;
  await w.affiliate(m);
  await w.setStock(w.sellerId, 5);
  const key = w.markets[0]!.apiKey;
  return { w, m, key, client: og.as(key), submit: (price: number) => w.submit(m, price) };
}

const create = (client: GraphQLClient, input: { marketplaceId: string; url: string; after?: string | null }) =>
  client.data(CreateWebhookDocument, { input }).then((d) => d.createWebhook);
const list = async (client: GraphQLClient, marketplaceId: string) => (await client.data(WebhooksDocument, { marketplaceId })).webhooks;
const one = async (client: GraphQLClient, marketplaceId: string, id: string) => (await list(client, marketplaceId)).find((h) => h.id === id)!;

/** Polls the webhook until `check` holds. */
async function waitForWebhook(client: GraphQLClient, m: string, id: string, check: (h: Awaited<ReturnType<typeof one>>) => boolean, what: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const h = await one(client, m, id);
    if (check(h)) return h;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(h)}`);
    await sleep(50);
  }
}

describe("delivery", () => {
  it("POSTs the feed in order, signed per Standard Webhooks, and moves deliveredCursor to the last event acknowledged", async () => {
    const { m, client, submit } = await marketplace();
    await submit(100); // before the webhook: not delivered (after omitted: from the next event)
    const r = await receiver();
    const { webhook, secret } = await create(client, { marketplaceId: m, url: r.url });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(secret.slice(6), "base64").length).toBeGreaterThanOrEqual(24);
    const before = await readWholeFeed(og.admin, m);
    expect(webhook).toMatchObject({ status: "ACTIVE", deliveredCursor: before.at(-1)!.cursor, backlog: 0, consecutiveFailures: 0, lastError: null });

    for (let price = 101; price <= 105; price++) await submit(price);
    await r.waitFor(() => r.events().length >= 5, "five events");
    const log = (await readWholeFeed(og.admin, m)).slice(before.length);
    expect(r.events()).toEqual(log.map(({ cursor, type, marketplaceId, offerId, available, quantity, price, unavailableReason, occurredAt }) => ({
      cursor, type, marketplaceId, offerId, available, quantity, price, unavailableReason, occurredAt,
    })));
    for (const d of r.deliveries) {
      expect(verifyDelivery(secret, d)).toEqual(d.body);
      expect(d.headers["content-type"]).toBe("application/json");
      expect(d.body).toMatchObject({ webhookId: webhook.id, marketplaceId: m });
      expect(d.body.events.length).toBeGreaterThanOrEqual(1);
      expect(d.body.events.length).toBeLessThanOrEqual(100);
      expect(Math.abs(Number(d.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    }
    // A wrong secret does not verify.
    expect(() => verifyDelivery(`whsec_${Buffer.alloc(32, 1).toString("base64")}`, r.deliveries[0]!)).toThrow();
    expect(r.maxInFlight).toBe(1);
    const now = await waitForWebhook(client, m, webhook.id, (h) => h.deliveredCursor === log.at(-1)!.cursor, "the cursor to move");
    expect(now).toMatchObject({ status: "ACTIVE", backlog: 0, lastError: null });
    expect(now.lastAttemptAt).not.toBeNull();
    // The secret is never shown again: the type has no field for it.
    expect(JSON.stringify(await list(client, m))).not.toContain(secret.slice(6));
  });

  it('starts where `after` says: "" from the first event, a cursor after it', async () => {
    const { m, client, submit } = await marketplace();
    for (const price of [1, 2, 3]) await submit(price);
    const log = await readWholeFeed(og.admin, m);
    const all = await receiver();
    const fromSecond = await receiver();
    const a = await create(client, { marketplaceId: m, url: all.url, after: "" });
    expect(a.webhook).toMatchObject({ deliveredCursor: null, backlog: 3 });
    const b = await create(client, { marketplaceId: m, url: fromSecond.url, after: log[0]!.cursor });
    expect(b.webhook).toMatchObject({ deliveredCursor: log[0]!.cursor, backlog: 2 });
    await all.waitFor(() => all.events().length === 3, "the whole feed");
    await fromSecond.waitFor(() => fromSecond.events().length === 2, "the feed after the first event");
    expect(all.events().map((e) => e.price)).toEqual([1, 2, 3]);
    expect(fromSecond.events().map((e) => e.cursor)).toEqual(log.slice(1).map((e) => e.cursor));
  });

  it("retries the same delivery (same id, same body) with backoff while the endpoint fails, FAILING until it succeeds", async () => {
    const { m, client, submit } = await marketplace();
    const r = await receiver();
    r.status = 503;
    const { webhook, secret } = await create(client, { marketplaceId: m, url: r.url });
    await submit(7);
    await r.waitFor(() => r.deliveries.length >= 2, "two attempts");
    const failing = await waitForWebhook(client, m, webhook.id, (h) => h.consecutiveFailures >= 2, "two failures");
    expect(failing).toMatchObject({ status: "FAILING", lastError: "HTTP 503", deliveredCursor: null, backlog: 1 });
    await submit(8); // a new event does not join the delivery being retried
    await sleep(150);
    r.status = 200;
    await r.waitFor(() => r.events().length === 2, "both events");
    const [first, ...rest] = r.deliveries;
    const retries = rest.filter((d) => d.id === first!.id);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    for (const d of retries) {
      expect(d.rawBody).toBe(first!.rawBody);
      expect(verifyDelivery(secret, d)).toEqual(first!.body);
    }
    expect(first!.body.events.map((e) => e.price)).toEqual([7]);
    expect(r.events().map((e) => e.price)).toEqual([7, 8]);
    const healthy = await waitForWebhook(client, m, webhook.id, (h) => h.backlog === 0, "the backlog to drain");
    expect(healthy).toMatchObject({ status: "ACTIVE", consecutiveFailures: 0, lastError: null });
  });

  it("disables the webhook after WEBHOOK_MAX_FAILURES, loses nothing, and resumes on enabled: true", async () => {
    const { m, client, submit } = await marketplace();
    const r = await receiver();
    await r.stop(); // nothing listens: connection refused
    const { webhook } = await create(client, { marketplaceId: m, url: r.url });
    await submit(10);
    await submit(11);
    const disabled = await waitForWebhook(client, m, webhook.id, (h) => h.status === "DISABLED", "DISABLED");
    expect(disabled).toMatchObject({ consecutiveFailures: 4, lastError: "connection refused", deliveredCursor: null, backlog: 2 });
    await r.start();
    await submit(12);
    await sleep(800); // more than a poll: a disabled webhook gets nothing
    expect(r.deliveries).toHaveLength(0);
    const enabled = await client.data(UpdateWebhookDocument, { input: { id: webhook.id, enabled: true } });
    expect(enabled.updateWebhook).toMatchObject({ status: "ACTIVE", consecutiveFailures: 0 });
    await r.waitFor(() => r.events().length === 3, "the three events");
    expect(r.events().map((e) => e.price)).toEqual([10, 11, 12]);
  });

  it("updateWebhook(after) replays from a cursor as a new delivery, and enabled: false stops it", async () => {
    const { m, client, submit } = await marketplace();
    const r = await receiver();
    const { webhook } = await create(client, { marketplaceId: m, url: r.url });
    await submit(1);
    await submit(2);
    await r.waitFor(() => r.events().length === 2, "two events");
    const firstIds = new Set(r.deliveries.map((d) => d.id));
    const replay = await client.data(UpdateWebhookDocument, { input: { id: webhook.id, after: "" } });
    expect(replay.updateWebhook).toMatchObject({ deliveredCursor: null, backlog: 2 });
    await r.waitFor(() => r.acknowledged().flatMap((d) => d.body.events).length === 4, "the replay");
    const replayed = r.deliveries.filter((d) => !firstIds.has(d.id));
    expect(replayed.flatMap((d) => d.body.events.map((e) => e.price))).toEqual([1, 2]);

    const off = await client.data(UpdateWebhookDocument, { input: { id: webhook.id, enabled: false } });
    expect(off.updateWebhook.status).toBe("DISABLED");
    const count = r.deliveries.length;
    await submit(3);
    await sleep(800);
    expect(r.deliveries).toHaveLength(count);
    // Skip ahead: enabled again past event 3, nothing of it is sent.
    const log = await readWholeFeed(og.admin, m);
    const skipped = await client.data(UpdateWebhookDocument, { input: { id: webhook.id, enabled: true, after: log.at(-1)!.cursor } });
    expect(skipped.updateWebhook).toMatchObject({ status: "ACTIVE", backlog: 0 });
    await submit(4);
    await r.waitFor(() => r.deliveries.length > count, "the next event");
    expect(r.deliveries.slice(count).flatMap((d) => d.body.events.map((e) => e.price))).toEqual([4]);
  });

  it("deleteWebhook stops deliveries at once, aborting the one in flight", async () => {
    const { m, client, submit } = await marketplace();
    const r = await receiver();
    r.delayMs = 5_000; // the endpoint is slow: the delivery stays in flight
    const { webhook } = await create(client, { marketplaceId: m, url: r.url });
    await submit(1);
    await r.waitFor(() => r.inFlight === 1, "the delivery in flight");
    const deleted = await client.data(DeleteWebhookDocument, { id: webhook.id });
    expect(deleted.deleteWebhook.id).toBe(webhook.id);
    await r.waitFor(() => r.aborted === 1, "the delivery aborted", 3_000);
    r.delayMs = 0;
    await submit(2);
    await sleep(1_000);
    expect(r.deliveries).toHaveLength(1);
    expect(await list(client, m)).toEqual([]);
    expect(errorCodes(await client.execute(DeleteWebhookDocument, { id: webhook.id }))).toEqual(["NOT_FOUND"]);
  });

  it("a hanging endpoint holds up only its own webhook: the other webhooks of the marketplace get every event", async () => {
    const { m, client, submit } = await marketplace();
    const [hanging, healthy] = [await receiver(), await receiver()];
    hanging.delayMs = 60_000; // accepts, never answers in time (WEBHOOK_TIMEOUT_MS is 1 s here)
    const stuck = (await create(client, { marketplaceId: m, url: hanging.url })).webhook;
    await create(client, { marketplaceId: m, url: healthy.url });
    for (const price of [1, 2, 3]) await submit(price);
    await healthy.waitFor(() => healthy.events().length === 3, "the healthy endpoint's three events");
    expect(healthy.events().map((e) => e.price)).toEqual([1, 2, 3]);
    const timedOut = await waitForWebhook(client, m, stuck.id, (h) => h.lastError !== null, "a timed-out attempt");
    expect(timedOut).toMatchObject({ status: "FAILING", lastError: "timeout after 1 s", deliveredCursor: null });
    expect(hanging.acknowledged()).toHaveLength(0);
    await client.data(DeleteWebhookDocument, { id: stuck.id });
  });

  it("counts deliveries by outcome, backlog and lag on /metrics", async () => {
    const delivered = await metric(og.origin, "offergate_webhook_deliveries_total", 'outcome="delivered"');
    const failed = await metric(og.origin, "offergate_webhook_deliveries_total", 'outcome="http_error"');
    expect(delivered).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    const body = await (await fetch(`${og.origin}/metrics`)).text();
    expect(body).toMatch(/^offergate_webhook_backlog_events \d+$/m);
    expect(body).toMatch(/^offergate_webhook_lag_seconds [\d.e+-]+$/m);
    expect(body).toMatch(/^offergate_webhook_delivery_latency_seconds_count \d+$/m);
  });
});

describe("rules", () => {
  it("admin or that marketplace only; unknown ids are NOT_FOUND", async () => {
    const { m, client } = await marketplace();
    const other = await marketplace();
    const seller = await createSeller(og.admin);
    const url = "http://127.0.0.1:9/hook";
    expect(errorCodes(await og.anonymous.execute(WebhooksDocument, { marketplaceId: m }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await og.anonymous.execute(CreateWebhookDocument, { input: { marketplaceId: m, url } }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await other.client.execute(CreateWebhookDocument, { input: { marketplaceId: m, url } }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await seller.client.execute(WebhooksDocument, { marketplaceId: m }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await og.admin.execute(WebhooksDocument, { marketplaceId: "mkt_000000000000000000000000" }))).toEqual(["NOT_FOUND"]);

    const { webhook } = await create(og.admin, { marketplaceId: m, url });
    expect(await list(client, m)).toHaveLength(1);
    expect(errorCodes(await other.client.execute(UpdateWebhookDocument, { input: { id: webhook.id, enabled: false } }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await other.client.execute(DeleteWebhookDocument, { id: webhook.id }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await seller.client.execute(DeleteWebhookDocument, { id: webhook.id }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await client.execute(UpdateWebhookDocument, { input: { id: "whk_000000000000000000000000", enabled: false } }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await og.admin.execute(DeleteWebhookDocument, { id: "nope" }))).toEqual(["NOT_FOUND"]);
    expect((await one(client, m, webhook.id)).status).toBe("ACTIVE");
    await client.data(DeleteWebhookDocument, { id: webhook.id });
  });

  it("refuses bad URLs, bad cursors and an eleventh webhook with BAD_USER_INPUT, changing nothing", async () => {
    const { m, client, submit } = await marketplace();
    const bad = async (input: { url: string; after?: string | null }) =>
      errorCodes(await client.execute(CreateWebhookDocument, { input: { marketplaceId: m, ...input } }));
    for (const url of ["ftp://example.com/x", "/relative", "not a url", `http://example.com/${"a".repeat(2_000)}`, "http://user:pw@example.com/x", "http://user@example.com/"]) {
      expect([url.slice(0, 40), await bad({ url })]).toEqual([url.slice(0, 40), ["BAD_USER_INPUT"]]);
    }
    expect(await bad({ url: "http://127.0.0.1:9/", after: "garbage" })).toEqual(["BAD_USER_INPUT"]);
    const other = await marketplace();
    await other.submit(1);
    const [foreign] = await readWholeFeed(og.admin, other.m);
    expect(await bad({ url: "http://127.0.0.1:9/", after: foreign!.cursor })).toEqual(["BAD_USER_INPUT"]);
    expect(await list(client, m)).toEqual([]);

    await submit(1);
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => client.execute(CreateWebhookDocument, { input: { marketplaceId: m, url: `http://127.0.0.1:9/${i}` } })));
    expect(created.filter((c) => !c.errors).length).toBe(10);
    expect(created.filter((c) => c.errors).flatMap(errorCodes)).toEqual(["BAD_USER_INPUT", "BAD_USER_INPUT"]);
    expect(await list(client, m)).toHaveLength(10);
    const { id } = (await list(client, m))[0]!;
    expect(errorCodes(await client.execute(UpdateWebhookDocument, { input: { id, url: "gopher://x" } }))).toEqual(["BAD_USER_INPUT"]);
    await client.data(DeleteWebhookDocument, { id });
    expect((await create(client, { marketplaceId: m, url: "http://127.0.0.1:9/again" })).webhook.status).toBe("ACTIVE");
    for (const h of await list(client, m)) await client.data(DeleteWebhookDocument, { id: h.id });
  });
});

describe("private targets", () => {
  let strict: TestOffergate;
  beforeAll(async () => {
    // A service of its own (its own database), with the default: private targets refused.
    strict = await startTestOffergate({ WEBHOOK_POLL_MS: "200", WEBHOOK_RETRY_BASE_MS: "100" });
  });
  afterAll(() => strict?.close());

  it("refuses a URL whose host is, or resolves to, a loopback, private, link-local or unspecified address", async () => {
    const w = await buildWorld(strict.admin, 1);
    const m = w.ids[0]!;
    for (const url of [
      "http://127.0.0.1/x",
      "http://localhost:8080/x", // resolves to loopback
      "http://10.1.2.3/x",
      "http://172.16.0.1/x",
      "http://192.168.1.1/x",
      "http://169.254.169.254/latest",
      "http://0.0.0.0/x",
      "http://[::1]/x",
      "http://[fd00::1]/x",
      "http://[fe80::1]/x",
      "http://[::ffff:127.0.0.1]/x",
      "http://2130706433/x", // 127.0.0.1 written as a number
    ]) {
      const response = await strict.admin.execute(CreateWebhookDocument, { input: { marketplaceId: m, url } });
      expect([url, errorCodes(response)]).toEqual([url, ["BAD_USER_INPUT"]]);
      expect(response.errors![0]!.message).toMatch(/private address/);
    }
    expect(await list(strict.admin, m)).toEqual([]);
  });

  it("checks again at each attempt, after DNS resolution: a target that turned private fails with lastError saying so", async () => {
    const w = await buildWorld(strict.admin, 1);
    const m = w.ids[0]!;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    // A public address at creation (nothing answers it here; what matters is that it was accepted)...
    const { webhook } = await create(strict.admin, { marketplaceId: m, url: "http://203.0.113.10/hook" });
    // ...whose name later resolves to loopback, as a rebinding DNS would make it: written straight into the database.
    const r = await receiver();
    const connection = await mongoose.createConnection(strict.app.mongoUri).asPromise();
    try {
      await connection.db!.collection("webhooks").updateOne({ _id: webhook.id as never }, { $set: { url: `http://localhost:${r.port}/hook` } });
    } finally {
      await connection.close();
    }
    // Disabled and enabled again, so that whichever process delivers it reads the webhook afresh.
    await strict.admin.data(UpdateWebhookDocument, { input: { id: webhook.id, enabled: false } });
    await strict.admin.data(UpdateWebhookDocument, { input: { id: webhook.id, enabled: true } });
    await w.submit(m, 5);
    const failed = await waitForWebhook(strict.admin, m, webhook.id, (h) => h.lastError !== null && /private address/.test(h.lastError), "a refused attempt");
    expect(failed.lastError).toMatch(/^refused: localhost resolves to a private address/);
    expect(failed.status).toBe("FAILING");
    expect(r.deliveries).toHaveLength(0);
  });
});
