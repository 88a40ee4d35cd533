import { randomBytes } from "node:crypto";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { FeedSubscriptionDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { metric, readWholeFeed, subscribe, type FeedSubscriber } from "../helpers/feed-client";
import { GraphQLClient } from "../helpers/graphql-client";
import { freePort, runNode, type RunningProcess } from "../helpers/processes";

/**
 * The gateway and the subgraphs as separate processes: the exchange dies
 * under a live subscription and comes back, while the gateway stays up.
 */
let mongo: EmbeddedMongo;
const processes: RunningProcess[] = [];
const admin = `og_admin_${randomBytes(18).toString("base64url")}`;
let common: Record<string, string>;
let exchangePort: number;
let url: string;

const startExchange = async () => {
  const p = runNode("exchange/server.js", { ...common, EXCHANGE_PORT: String(exchangePort) });
  processes.push(p);
  await p.waitFor(/listening on/);
  return p;
};

beforeAll(async () => {
  mongo = await startJongodb();
  const [accounts, catalog, exchange, port] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  exchangePort = exchange;
  common = {
    MONGODB_URI: mongo.uri,
    INTERNAL_SECRET: randomBytes(32).toString("base64url"),
    ADMIN_API_KEY: admin,
    LOG_LEVEL: "error",
    HOST: "127.0.0.1",
    ACCOUNTS_URL: `http://127.0.0.1:${accounts}/graphql`,
    CATALOG_URL: `http://127.0.0.1:${catalog}/graphql`,
    EXCHANGE_URL: `http://127.0.0.1:${exchange}/graphql`,
  };
  const parts = [
    runNode("accounts/server.js", { ...common, ACCOUNTS_PORT: String(accounts) }),
    runNode("catalog/server.js", { ...common, CATALOG_PORT: String(catalog) }),
  ];
  processes.push(...parts);
  await Promise.all([...parts.map((p) => p.waitFor(/listening on/)), startExchange()]);
  const gw = runNode("gateway/server.js", { ...common, PORT: String(port) });
  processes.push(gw);
  const [, listening] = (await gw.waitFor(/listening on (\S+)/)) as unknown as [string, string];
  url = listening.replace("0.0.0.0", "127.0.0.1");
}, 60_000);

afterAll(async () => {
  for (const p of processes) await p.stop("SIGKILL");
  await mongo?.stop();
});

/** A marketplace with one affiliated seller in stock, through the gateway. */
async function marketplaceInStock() {
  const gateway = new GraphQLClient(url, admin);
  const w = await buildWorld(gateway, 1);
  const m = w.ids[0]!;
  await w.affiliate(m);
  await w.setStock(w.sellerId, 5);
  return { gateway, w, m, key: w.markets[0]!.apiKey };
}

/** Kills the exchange under `sub`: it ends with one UPSTREAM_CLOSED error whose resumeAfter is its last event's cursor, returned. */
async function killExchangeUnder(sub: FeedSubscriber<{ cursor: string }>): Promise<string> {
  const exchange = processes.find((p) => p.child.spawnargs.some((a) => a.endsWith("exchange/server.js")) && p.child.signalCode === null)!;
  await exchange.stop("SIGKILL");
  await sub.waitForEnd();
  expect(sub.errors).toHaveLength(1);
  expect(sub.errors[0]!.extensions).toMatchObject({
    code: "SERVICE_UNAVAILABLE",
    reason: "UPSTREAM_CLOSED",
    resumeAfter: sub.events.at(-1)!.cursor,
  });
  await sub.close();
  return sub.errors[0]!.extensions!.resumeAfter as string;
}

describe("the exchange restarting under a subscription through the gateway", () => {
  it("ends it with the cursor to resume from, never replays it on its own, and resuming misses nothing", async () => {
    const { gateway, w, m, key } = await marketplaceInStock();
    await w.submit(m, 1);
    for (let i = 2; i <= 5; i++) await w.submit(m, i);

    const first = subscribe(url, key, FeedSubscriptionDocument, { marketplaceId: m, after: "" });
    await first.waitForEvents(5);
    const resumeAfter = await killExchangeUnder(first);
    // The gateway did not quietly subscribe again (that would send after: "" and replay all five).
    expect(first.events.map((e) => e.price)).toEqual([1, 2, 3, 4, 5]);

    await startExchange();
    for (let i = 6; i <= 8; i++) await w.submit(m, i);
    const resumed = subscribe(url, key, FeedSubscriptionDocument, { marketplaceId: m, after: resumeAfter });
    await resumed.waitForEvents(3);
    for (let i = 9; i <= 10; i++) await w.submit(m, i);
    await resumed.waitForEvents(5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = await readWholeFeed(gateway, m);
    expect([...first.events, ...resumed.events].map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));
    expect(resumed.events.map((e) => e.price)).toEqual([6, 7, 8, 9, 10]);
    await resumed.close();
  });

  it("ends a live subscription the gateway takes from the exchange directly the same way", async () => {
    const { gateway, w, m, key } = await marketplaceInStock();
    const direct = () => metric(new URL(url).origin, "offergate_gateway_subscriptions_direct_total");
    const before = await direct();
    const live = subscribe(url, key, FeedSubscriptionDocument, { marketplaceId: m, after: null });
    let price = 100;
    while (live.events.length < 2) {
      await w.submit(m, ++price);
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (price > 200) throw new Error("the live subscription received nothing");
    }
    expect(await direct()).toBe(before + 1);
    const resumeAfter = await killExchangeUnder(live);

    await startExchange();
    await w.submit(m, 999);
    const resumed = subscribe(url, key, FeedSubscriptionDocument, { marketplaceId: m, after: resumeAfter });
    const log = await readWholeFeed(gateway, m);
    const from = log.findIndex((e) => e.cursor === live.events[0]!.cursor);
    await resumed.waitForEvents(log.length - from - live.events.length);
    // Nothing missed, nothing twice, across the interruption.
    expect([...live.events, ...resumed.events].map((e) => e.cursor)).toEqual(log.slice(from).map((e) => e.cursor));
    expect(resumed.events.at(-1)!.price).toBe(999);
    await resumed.close();
  });
});
