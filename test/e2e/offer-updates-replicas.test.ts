import { randomBytes } from "node:crypto";
import { OfferUpdatesDocument } from "../generated/graphql";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { buildWorld } from "../helpers/exchange";
import { subscribe } from "../helpers/feed-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";
import { describeWithRedis, REDIS_URL } from "../helpers/redis";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const subscribersOf = (og: TestOffergate) =>
  (og.app.local.exchange as unknown as { services: { offerUpdates: { subscribers: number } } }).services.offerUpdates.subscribers;

describeWithRedis("offerUpdates across two replicas sharing one database and one Redis", () => {
  let mongo: EmbeddedMongo;
  let a: TestOffergate;
  let b: TestOffergate;
  beforeAll(async () => {
    mongo = await startJongodb();
    const shared = {
      MONGODB_URI: mongo.uri,
      REDIS_URL,
      ADMIN_API_KEY: `og_admin_test_${randomBytes(18).toString("base64url")}`,
      INTERNAL_SECRET: randomBytes(32).toString("base64url"),
    };
    [a, b] = await Promise.all([startTestOffergate(shared), startTestOffergate(shared)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await mongo?.stop();
  });

  it("a change made on one replica reaches subscribers on both, each update once, versions rising", async () => {
    const w = await buildWorld(b.admin, 1);
    const m = w.ids[0]!;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    const onA = subscribe(a.url, undefined, OfferUpdatesDocument, { productId: w.productId });
    const onB = subscribe(b.url, undefined, OfferUpdatesDocument, { marketplaceId: m });
    for (let waited = 0; subscribersOf(a) < 1 || subscribersOf(b) < 1; waited += 20) {
      if (waited > 10_000) throw new Error("the subscriptions never reached the exchanges");
      await sleep(20);
    }
    const offer = await w.submit(m, 100); // on B
    for (let i = 1; i <= 5; i++) await w.submit(m, 100 + i); // on B
    await w.setStock(w.sellerId, 0);
    const now = await w.offer(offer.id);
    for (const s of [onA, onB]) {
      await s.waitForEvents(7, 10_000);
      await sleep(200); // a duplicate would arrive now
      expect(s.errors).toEqual([]);
      expect(s.events.map((u) => [u.version, u.price, u.quantity])).toEqual([
        [offer.version, 100, 5],
        ...[1, 2, 3, 4, 5].map((i) => [offer.version + i, 100 + i, 5]),
        [now.version, 105, 0],
      ]);
    }
    await Promise.all([onA.close(), onB.close()]);
  });
});
