import { randomBytes } from "node:crypto";
import { mongo as driver } from "mongoose";
import { FeedSubscriptionDocument, OfferDocument } from "../generated/graphql";
import { EMBEDDED_FEED_PARTITIONS } from "../../src/exchange/feed/feed.layout";
import { feedCollection } from "../../src/exchange/feed/feed.model";
import { partitionOf } from "../../src/exchange/feed/feed.repository";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { buildWorld } from "../helpers/exchange";
import { readWholeFeed, subscribe, type FeedSubscriber } from "../helpers/feed-client";
import { GraphQLClient } from "../helpers/graphql-client";
import { runNode, type RunningProcess } from "../helpers/processes";

const ADMIN_API_KEY = `og_admin_test_${randomBytes(18).toString("base64url")}`;
let mongo: EmbeddedMongo;
const processes: RunningProcess[] = [];

beforeAll(async () => {
  mongo = await startJongodb();
});
afterAll(async () => {
  for (const p of processes) await p.stop("SIGKILL");
  await mongo.stop();
});

/** `node dist/main.js` on the test's database; resolves with its GraphQL URL once it listens. */
async function startService(env: Record<string, string> = {}): Promise<{ proc: RunningProcess; url: string }> {
  const proc = runNode("main.js", {
    MONGODB_URI: mongo.uri,
    ADMIN_API_KEY,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "error",
    ...env,
  });
  processes.push(proc);
  const [, url] = await proc.waitFor(/offergate listening on (\S+)/);
  return { proc, url: url! };
}

type FeedEvent = { cursor: string; price: number };

describe("the feed across a crash of the whole service", () => {
  it("a consumer resuming from its last cursor after a SIGKILL mid-stream gets every event once, in order", async () => {
    const first = await startService();
    const admin = new GraphQLClient(first.url, ADMIN_API_KEY);
    const w = await buildWorld(admin, 1);
    const m = w.ids[0]!;
    const key = w.markets[0]!.apiKey;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    const offerId = (await w.submit(m, 1)).id;

    // Writers that change the offer's price as fast as they can, until their service dies.
    let price = 1;
    const write = (url: string, until: () => boolean) =>
      Promise.all(
        [0, 1, 2].map(async () => {
          const client = new GraphQLClient(url, ADMIN_API_KEY);
          while (!until()) {
            const input = { sellerId: w.sellerId, marketplaceId: m, productId: w.productId, price: ++price, currency: "BRL" };
            const ok = await client.post({ query: "mutation($i: SubmitOfferInput!) { submitOffer(input: $i) { id } }", variables: { i: input } }).then(
              (r) => !r.errors,
              () => false,
            );
            if (!ok) return;
          }
        }),
      );

    const received: FeedEvent[] = [];
    const follow = (url: string, after: string): FeedSubscriber<FeedEvent> =>
      subscribe(url, key, FeedSubscriptionDocument, { marketplaceId: m, after }, (e) => received.push(e));

    let killed = false;
    const before = follow(first.url, "");
    const writing = write(first.url, () => killed);
    await before.waitForEvents(30, 20_000);
    // Mid-stream, writes in flight: the whole service dies at once.
    killed = true;
    await first.proc.stop("SIGKILL");
    await writing;
    await before.waitForEnd();
    await before.close();
    const cut = received.length;
    expect(cut).toBeGreaterThanOrEqual(30);

    // Back on the same database; the consumer resumes from the last cursor it got.
    const second = await startService();
    const after = follow(second.url, received.at(-1)!.cursor);
    let enough = false;
    const writingAgain = write(second.url, () => enough);
    await after.waitForEvents(20, 20_000);
    enough = true;
    await writingAgain;

    const secondAdmin = new GraphQLClient(second.url, ADMIN_API_KEY);
    const log = await readWholeFeed(secondAdmin, m);
    await after.waitForEvents(log.length - cut, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received.map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));
    expect(new Set(received.map((e) => e.cursor)).size).toBe(received.length);
    // Nothing a crash interrupted is missing: the last event is the offer's state now.
    const offer = (await secondAdmin.data(OfferDocument, { id: offerId })).offer!;
    expect(log.at(-1)!.price).toBe(offer.price);
    await after.close();
  });
});

describe("the feed log's partitions across restarts", () => {
  it("keeps each marketplace's feed whole in its partition, reads it there after a restart (FEED_PARTITIONS unset), and refuses another FEED_PARTITIONS, changing nothing", async () => {
    const uri = mongo.uri.replace(/\/[^/]*$/, "/offergate_layout");
    // With MONGODB_URI the default is one collection: the partitioned layout is asked for.
    const first = await startService({ MONGODB_URI: uri, FEED_PARTITIONS: String(EMBEDDED_FEED_PARTITIONS) });
    const w = await buildWorld(new GraphQLClient(first.url, ADMIN_API_KEY), 6);
    await w.setStock(w.sellerId, 5);
    for (const m of w.ids) {
      await w.affiliate(m);
      await w.submit(m);
    }
    const feeds = await Promise.all(w.ids.map((m) => w.events(m)));
    for (const feed of feeds) expect(feed.length).toBeGreaterThan(0);

    const client = await new driver.MongoClient(uri).connect();
    try {
      const db = client.db();
      expect(await db.collection("feed_layout").find({}).toArray()).toEqual([{ _id: "feed_events", partitions: EMBEDDED_FEED_PARTITIONS }]);
      for (const [i, m] of w.ids.entries()) {
        const home = feedCollection(partitionOf(m, EMBEDDED_FEED_PARTITIONS));
        const counts = await Promise.all(
          Array.from({ length: EMBEDDED_FEED_PARTITIONS }, async (_, p) => [feedCollection(p), await db.collection(feedCollection(p)).countDocuments({ marketplaceId: m })] as const),
        );
        expect(counts.filter(([, n]) => n > 0)).toEqual([[home, feeds[i]!.length]]);
      }
    } finally {
      await client.close();
    }
    await first.proc.stop();

    const refused = runNode("main.js", { MONGODB_URI: uri, ADMIN_API_KEY, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "error", FEED_PARTITIONS: "4" });
    processes.push(refused);
    expect(await refused.exit()).toBe(1);
    expect(refused.output()).toContain(`FEED_PARTITIONS is 4, but this database's feed log has ${EMBEDDED_FEED_PARTITIONS} partitions`);
    expect(refused.output()).not.toMatch(/\n\s+at /);

    const again = await startService({ MONGODB_URI: uri });
    const admin = new GraphQLClient(again.url, ADMIN_API_KEY);
    const seen = (events: { cursor: string; type: string; offerId: string }[]) => events.map((e) => [e.cursor, e.type, e.offerId]);
    expect((await Promise.all(w.ids.map((m) => readWholeFeed(admin, m)))).map(seen)).toEqual(feeds.map(seen));
    await again.proc.stop();
  });
});
