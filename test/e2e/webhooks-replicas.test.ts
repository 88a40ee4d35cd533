import { CreateWebhookDocument, SubmitOfferDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { readWholeFeed } from "../helpers/feed-client";
import { describeWithRedis, REDIS_URL } from "../helpers/redis";
import { WebhookServices, type ServiceProcess } from "../helpers/webhook-processes";
import { WebhookReceiver } from "../helpers/webhook-receiver";

/**
 * Two replicas (separate processes) on one database and one Redis: each
 * webhook is delivered by one of them at a time, under a lease in the
 * database, and the other takes over when the holder is killed.
 */
describeWithRedis("webhooks across two replicas", () => {
  const services = new WebhookServices({
    REDIS_URL,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    WEBHOOK_LEASE_MS: "2000",
    WEBHOOK_POLL_MS: "200",
    WEBHOOK_RETRY_BASE_MS: "100",
    WEBHOOK_RETRY_MAX_MS: "300",
  });
  const receivers = [new WebhookReceiver(), new WebhookReceiver(), new WebhookReceiver()];
  let a: ServiceProcess;
  let b: ServiceProcess;

  beforeAll(async () => {
    await services.init();
    [a, b] = await Promise.all([services.start(), services.start()]);
    for (const r of receivers) {
      await r.start();
      r.delayMs = 30; // long enough for two deliveries of one webhook to overlap, were they sent by both
    }
  }, 90_000);
  afterAll(async () => {
    for (const r of receivers) await r.stop();
    await services.close();
  });

  it("delivers each webhook from one replica at a time, and the other takes over when the holder dies", async () => {
    const w = await buildWorld(a.admin, 3);
    for (const m of w.ids) await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    const hooks = await Promise.all(
      w.ids.map(async (m, i) => (await a.admin.data(CreateWebhookDocument, { input: { marketplaceId: m, url: receivers[i]!.url } })).createWebhook.webhook),
    );
    // Mutations on both replicas: both ring, both deliverers hear every event.
    const submitOn = (s: ServiceProcess, m: string, price: number) =>
      s.admin.data(SubmitOfferDocument, { input: { sellerId: w.sellerId, marketplaceId: m, productId: w.productId, price, currency: "BRL" } });
    for (let price = 1; price <= 10; price++) await Promise.all(w.ids.map((m) => submitOn(price % 2 ? a : b, m, price)));
    for (const r of receivers) await r.waitFor(() => r.events().length === 10, "ten events", 30_000);

    for (const [i, m] of w.ids.entries()) {
      const r = receivers[i]!;
      // Exactly once (no failures, so no repeats), in order, never two deliveries of one webhook at once.
      const sent = r.deliveries.flatMap((d) => d.body.events.map((e) => e.cursor));
      expect(sent).toEqual((await readWholeFeed(a.admin, m)).map((e) => e.cursor));
      expect(r.maxInFlight).toBe(1);
    }
    const leases = await Promise.all(hooks.map((h) => services.lease(h.id)));
    for (const l of leases) expect([a.pid, b.pid]).toContain(l.pid);

    // Kill the replica holding the first webhook; the survivor serves the mutations and takes the webhook over.
    const holder = leases[0]!.pid === a.pid ? a : b;
    const survivor = holder === a ? b : a;
    await services.kill(holder);
    const killedAt = Date.now();
    for (let price = 11; price <= 15; price++) await Promise.all(w.ids.map((m) => submitOn(survivor, m, price)));
    for (const r of receivers) await r.waitFor(() => r.events().length === 15, "the events after the kill", 30_000);
    const takeover = Date.now() - killedAt;
    expect(takeover).toBeLessThan(30_000);

    for (const [i, m] of w.ids.entries()) {
      const log = await readWholeFeed(survivor.admin, m);
      expect(receivers[i]!.events().map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));
      expect(receivers[i]!.maxInFlight).toBe(1);
      expect((await services.lease(hooks[i]!.id)).pid).toBe(survivor.pid);
    }
  }, 120_000);
});
