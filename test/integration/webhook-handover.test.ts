import { feedEventModel, type FeedEventRecord } from "../../src/exchange/feed/feed.model";
import { FeedRepository, type FeedAppend } from "../../src/exchange/feed/feed.repository";
import { DEFAULT_WEBHOOK_OPTIONS, WebhookDeliverer, type WebhookFeedHandover, type WebhookFeedLog } from "../../src/exchange/webhook/webhook.deliverer";
import { webhookCountModel, webhookModel } from "../../src/exchange/webhook/webhook.model";
import { WebhookRepository } from "../../src/exchange/webhook/webhook.repository";
import { createLocalBus } from "../../src/shared/bus";
import { newId } from "../../src/shared/ids";
import { ensureIndexes } from "../../src/shared/mongo";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { WebhookReceiver } from "../helpers/webhook-receiver";

/**
 * The deliverer is handed this process's appends (as FeedService hands them)
 * and delivers them without reading the feed; it reads on only when another
 * process may have appended after them.
 */
let mongo: TestMongo;
let feedRepo: FeedRepository;
let otherProcessFeed: FeedRepository;
let webhooks: WebhookRepository;
beforeAll(async () => {
  mongo = await startTestMongo();
  const connection = await mongo.connect();
  const feedModel = feedEventModel(connection);
  const models = [feedModel, webhookModel(connection), webhookCountModel(connection)] as const;
  await ensureIndexes([...models]);
  feedRepo = new FeedRepository(feedModel);
  otherProcessFeed = new FeedRepository(feedModel);
  webhooks = new WebhookRepository(models[1], models[2]);
});
afterAll(() => mongo.stop());
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(10);
  }
}

async function world() {
  const bus = createLocalBus();
  const listeners = new Set<(records: readonly FeedEventRecord[], since: number) => void>();
  const handover: WebhookFeedHandover = {
    ringOrigin: "this-process",
    onAppended: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  let reads = 0;
  const log: WebhookFeedLog = {
    after: (...args) => (reads++, feedRepo.after(...args)),
    afterEach: (...args) => (reads++, feedRepo.afterEach(...args)),
    countAfter: (...args) => feedRepo.countAfter(...args),
  };
  const m = newId("marketplace");
  const offerId = newId("offer");
  let eventNo = 0;
  const event = (): FeedAppend => {
    const no = ++eventNo;
    return { marketplaceId: m, offerId, event: { eventNo: no, type: "UPDATED", available: true, quantity: no, price: no, unavailableReason: null, occurredAt: new Date() } };
  };
  const receiver = await new WebhookReceiver().start();
  const webhookId = newId("webhook");
  await webhooks.create({
    _id: webhookId,
    marketplaceId: m,
    url: `http://127.0.0.1:${receiver.port}/hook`,
    secret: `whsec_${Buffer.from("a-secret-of-32-bytes-for-testing").toString("base64")}`,
    enabled: true,
    deliveredSeq: 0,
    epoch: 0,
    consecutiveFailures: 0,
    lastAttemptAt: null,
    lastError: null,
    nextAttemptAt: null,
    pending: null,
    leaseOwner: null,
    leaseUntil: 0,
    createdAt: new Date(),
  });
  // No poll during the test: what is delivered came by the handover or a ring.
  const deliverer = new WebhookDeliverer(webhooks, log, bus, { ...DEFAULT_WEBHOOK_OPTIONS, allowPrivateTargets: true, pollMs: 3_600_000 }, handover);
  deliverer.start();
  await until(() => deliverer["workers"].has(webhookId));
  await sleep(100); // its first look at the (empty) feed
  stops.push(async () => {
    await deliverer.stop();
    await receiver.stop();
  });
  const quantities = () => receiver.deliveries.flatMap((d) => d.body.events.map((e) => e.quantity));
  return {
    m,
    event,
    bus,
    receiver,
    quantities,
    reads: () => reads,
    /** Appends as FeedService.flush does: the handover, then the ring. */
    hand: (records: readonly FeedEventRecord[], since: number) => {
      for (const l of listeners) l(records, since);
      bus.ring(m, handover.ringOrigin);
    },
  };
}

test("delivers what this process appended without reading the feed back, and reads nothing after", async () => {
  const w = await world();
  const readsBefore = w.reads();
  const since = performance.now();
  w.hand(await feedRepo.appendAll([w.event(), w.event()]), since);
  await until(() => w.quantities().length === 2);
  await sleep(200);
  expect(w.quantities()).toEqual([1, 2]);
  expect(w.reads()).toBe(readsBefore);
});

test("reads on when another process appended after this one's append began and rang", async () => {
  const w = await world();
  // A slow delivery in flight, so that what follows finds the webhook busy (as under load).
  w.receiver.delayMs = 300;
  w.hand(await feedRepo.appendAll([w.event()]), performance.now());
  await until(() => w.receiver.inFlight === 1);
  w.receiver.delayMs = 0;
  const since = performance.now();
  const mine = await feedRepo.appendAll([w.event()]);
  // Another process appends right after this one, and its ring comes before this one's handover.
  await otherProcessFeed.appendAll([w.event()]);
  w.bus.ring(w.m, "another-process");
  w.hand(mine, since);
  // Handed [2] only, the deliverer must still find 3 (no poll would).
  await until(() => w.quantities().length === 3);
  expect(w.quantities()).toEqual([1, 2, 3]);
});
