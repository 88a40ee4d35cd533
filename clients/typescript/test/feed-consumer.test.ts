import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FeedConsumer, FileCursorStore, MemoryCursorStore, OffergateError, type FeedConsumerState, type FeedEvent } from "@offergate/client";
import { startJongodb, type EmbeddedMongo } from "../../../src/shared/embedded-mongo";
import { buildWorld } from "../../../test/helpers/exchange";
import { readWholeFeed } from "../../../test/helpers/feed-client";
import { GraphQLClient } from "../../../test/helpers/graphql-client";
import { startTestOffergate, type TestOffergate } from "../../../test/helpers/offergate";
import { freePort } from "../../../test/helpers/processes";
import { startTcpProxy } from "../../../test/helpers/tcp-proxy";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `done` holds, for at most `timeoutMs`. */
async function until(done: () => boolean | Promise<boolean>, what: () => string, timeoutMs = 20_000) {
  for (const deadline = Date.now() + timeoutMs; !(await done()); await sleep(25)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
  }
}

/** A consumer that records what it handled and its connection states. */
function recorder(options: Omit<ConstructorParameters<typeof FeedConsumer>[0], "onEvent" | "onState">) {
  const events: FeedEvent[] = [];
  const states: FeedConsumerState["state"][] = [];
  const consumer = new FeedConsumer({
    retry: { initialDelayMs: 50, maxDelayMs: 500 },
    ...options,
    onEvent: (event) => void events.push(event),
    onState: (s) => void states.push(s.state),
  });
  const running = consumer.run();
  running.catch(() => undefined);
  return { consumer, events, states, running, connects: () => states.filter((s) => s === "connected").length };
}

async function marketplaceInStock(admin: GraphQLClient) {
  const w = await buildWorld(admin, 2);
  const m = w.ids[0]!;
  await w.affiliate(m);
  await w.setStock(w.sellerId, 5);
  return { w, m, key: w.markets[0]!.apiKey };
}

describe.each(["sse", "ws"] as const)("FeedConsumer over %s", (transport) => {
  let og: TestOffergate;
  beforeAll(async () => {
    og = await startTestOffergate();
  });
  afterAll(() => og.close());

  it("resumes after the last handled event when the connection drops: nothing missed, nothing twice", async () => {
    const { w, m, key } = await marketplaceInStock(og.admin);
    const proxy = await startTcpProxy(og.app.port);
    const store = new MemoryCursorStore();
    const c = recorder({ url: `http://127.0.0.1:${proxy.port}/graphql`, apiKey: key, marketplaceId: m, store, transport });
    for (let price = 1; price <= 3; price++) await w.submit(m, price);
    await until(() => c.events.length === 3, () => `3 events, got ${c.events.length}`);

    await proxy.cut();
    // While it is away: more events, of several kinds.
    await w.setStock(w.sellerId, 0);
    await w.submit(m, 4);
    await w.setStock(w.sellerId, 7);
    await until(() => c.states.includes("disconnected"), () => "the consumer to notice the drop");
    await proxy.restore();
    await w.submit(m, 5);

    const log = await readWholeFeed(og.admin, m);
    await until(() => c.events.length >= log.length, () => `${log.length} events, got ${c.events.length}`);
    await sleep(200);
    expect(c.connects()).toBeGreaterThanOrEqual(2);
    expect(c.events.map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));
    expect(c.events.slice(3).map((e) => [e.type, e.price, e.quantity])).toEqual([
      ["INELIGIBLE", 3, 0],
      ["ELIGIBLE", 4, 7],
      ["UPDATED", 5, 7],
    ]);
    expect(await store.load()).toBe(log.at(-1)!.cursor);
    await c.consumer.stop();
    await c.running;
    await proxy.close();
  });

  it("stops with the error, without retrying, when the key may not read that feed", async () => {
    const { w, m } = await marketplaceInStock(og.admin);
    const c = recorder({ url: og.url, apiKey: w.markets[1]!.apiKey, marketplaceId: m, transport });
    await expect(c.running).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(c.running).rejects.toBeInstanceOf(OffergateError);
    expect(c.states.filter((s) => s === "connecting")).toHaveLength(1);
  });

  it('"now" with no saved cursor streams live events only', async () => {
    const { w, m, key } = await marketplaceInStock(og.admin);
    await w.submit(m, 1);
    const c = recorder({ url: og.url, apiKey: key, marketplaceId: m, transport, startAt: "now" });
    await until(() => c.connects() === 1, () => "a connection");
    // Connected is not subscribed at the exchange yet: submit until one arrives.
    for (let price = 2; c.events.length === 0; price++) {
      await w.submit(m, price);
      await sleep(100);
      if (price > 50) throw new Error("no live event arrived");
    }
    expect(c.events[0]!.type).toBe("UPDATED");
    expect(c.events[0]!.price).toBeGreaterThan(1);
    await c.consumer.stop();
  });
});

/**
 * The whole service restarts on the same database (an external jongodb) and
 * the same port; then the consumer restarts too, from its cursor file.
 */
describe("FeedConsumer across restarts", () => {
  let mongo: EmbeddedMongo;
  let dir: string;
  let port: number;
  let admin: string;
  const start = () => startTestOffergate({ MONGODB_URI: mongo.uri, PORT: String(port), ADMIN_API_KEY: admin });
  beforeAll(async () => {
    mongo = await startJongodb();
    dir = await mkdtemp(join(tmpdir(), "offergate-cursor-"));
    port = await freePort();
    admin = `og_admin_test_${Date.now().toString(36)}_restart_consumer`;
  }, 60_000);
  afterAll(async () => {
    await mongo?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(["sse", "ws"] as const)("over %s: misses nothing across a restart of the service, then of the consumer", async (transport) => {
    let og = await start();
    try {
      const { w, m, key } = await marketplaceInStock(og.admin);
      const store = new FileCursorStore(join(dir, transport, "cursor"));
      const first = recorder({ url: og.url, apiKey: key, marketplaceId: m, store, transport });
      for (let price = 1; price <= 3; price++) await w.submit(m, price);
      await until(() => first.events.length === 3, () => `3 events, got ${first.events.length}`);

      await og.close();
      await until(() => first.states.includes("disconnected"), () => "the consumer to notice the service went away");
      // The same port and admin key: the world's client (w.admin) reaches the new service as it did the old.
      og = await start();
      for (let price = 4; price <= 5; price++) await w.submit(m, price);
      await until(() => first.events.length === 5, () => `5 events, got ${first.events.length}`);
      expect(first.connects()).toBeGreaterThanOrEqual(2);
      await first.consumer.stop();
      expect((await readFile(store.path, "utf8")).trim()).toBe(first.events.at(-1)!.cursor);

      // The consumer restarts: a new one on the same file, after events it did not see.
      await w.submit(m, 6);
      await w.setStock(w.sellerId, 0);
      const second = recorder({ url: og.url, apiKey: key, marketplaceId: m, store: new FileCursorStore(store.path), transport });
      await w.setStock(w.sellerId, 3);
      const log = await readWholeFeed(og.admin, m);
      await until(() => second.events.length >= log.length - 5, () => `${log.length - 5} events, got ${second.events.length}`);
      await sleep(200);
      expect([...first.events, ...second.events].map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));
      expect(second.events.map((e) => [e.type, e.price, e.quantity])).toEqual([
        ["UPDATED", 6, 5],
        ["INELIGIBLE", 6, 0],
        ["ELIGIBLE", 6, 3],
      ]);
      await second.consumer.stop();
    } finally {
      await og.close();
    }
  }, 120_000);
});

