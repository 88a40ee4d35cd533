import { CreateWebhookDocument, WebhooksDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { readWholeFeed } from "../helpers/feed-client";
import { WebhookServices } from "../helpers/webhook-processes";
import { WebhookReceiver } from "../helpers/webhook-receiver";

/**
 * Nothing lost across a crash: the service is killed (SIGKILL) while the
 * receiver is down and events wait, started again on the same database, and
 * every event reaches the receiver once it is back, in order.
 */
const services = new WebhookServices({
  WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
  WEBHOOK_RETRY_BASE_MS: "100",
  WEBHOOK_RETRY_MAX_MS: "300",
  WEBHOOK_MAX_FAILURES: "1000",
  WEBHOOK_LEASE_MS: "1500",
  WEBHOOK_POLL_MS: "200",
});
const receiver = new WebhookReceiver();

beforeAll(() => services.init(), 30_000);
afterAll(async () => {
  await receiver.stop();
  await services.close();
});

it("delivers every event in order after the service was killed while the receiver was down", async () => {
  let service = await services.start();
  const w = await buildWorld(service.admin, 1);
  const m = w.ids[0]!;
  await w.affiliate(m);
  await w.setStock(w.sellerId, 5);
  await receiver.start();
  const url = receiver.url;
  await receiver.stop(); // down: its port refuses connections
  const { createWebhook } = await service.admin.data(CreateWebhookDocument, { input: { marketplaceId: m, url } });
  const id = createWebhook.webhook.id;

  for (let price = 1; price <= 5; price++) await w.submit(m, price);
  // The deliverer tried and failed: the delivery waits, stored, for a retry.
  const deadline = Date.now() + 15_000;
  while (((await service.admin.data(WebhooksDocument, { marketplaceId: m })).webhooks[0]!.consecutiveFailures ?? 0) < 2) {
    if (Date.now() > deadline) throw new Error("no failed attempt");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await services.kill(service);

  // The same port, so the world's client reaches the new process.
  service = await services.start(Number(new URL(service.admin.url).port));
  for (let price = 6; price <= 8; price++) await w.submit(m, price);
  await receiver.start(); // up again, on the same port
  await receiver.waitFor(() => receiver.events().length >= 8, "all eight events", 30_000);

  const log = await readWholeFeed(service.admin, m);
  expect(log.map((e) => e.price)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  // Every event, in feed order, none missing (a repeat, at least once, is allowed and dropped by cursor).
  expect(receiver.events().map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));
  const after = (await service.admin.data(WebhooksDocument, { marketplaceId: m })).webhooks.find((h) => h.id === id)!;
  expect(after).toMatchObject({ status: "ACTIVE", backlog: 0, deliveredCursor: log.at(-1)!.cursor });
}, 90_000);
