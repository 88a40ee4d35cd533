import { parse } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { AffiliateSellerDocument, FeedSubscriptionDocument, SetStockDocument, SubmitOfferDocument } from "../generated/graphql";
import { createMarketplace, createProduct, createSeller, uniqueName } from "../fixtures";
import { metric, readWholeFeed, subscribe } from "../helpers/feed-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

const STALL_MS = 400;
let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate({
    SUBSCRIPTION_BUFFER: "10",
    SUBSCRIPTION_STALL_MS: String(STALL_MS),
    FEED_SWEEP_INTERVAL_MS: "3600000",
  });
});
afterAll(async () => {
  await og.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const long = (prefix: string) => uniqueName(prefix).padEnd(200, ".");

interface BigEvent {
  cursor: string;
  offerId: string;
  price: number;
  [alias: string]: unknown;
}

/**
 * Events of about 30 kB each (40 aliases of the offer with 200-character
 * names): the kernel's socket buffers (a few MB on loopback) fill after a
 * few hundred of them, and only then does a paused client hold anything up.
 */
const BIG: TypedDocumentNode<{ offerFeed: BigEvent }, { marketplaceId: string; after?: string | null }> = parse(`
  subscription Big($marketplaceId: ID!, $after: String) {
    offerFeed(marketplaceId: $marketplaceId, after: $after) {
      cursor offerId price
      ${Array.from({ length: 40 }, (_, i) => `o${i}: offer { id path product { name } seller { name } marketplace { name } }`).join("\n")}
    }
  }
`);

/**
 * The slow client either has its own subscription at the exchange (it
 * replays from the start), or shares one live subscription with the fast
 * client (both `after: null`, the same query and key): then the gateway
 * cannot pause the shared stream for it, and cuts it off as soon as its
 * buffer is full.
 */
describe.each([
  { how: "with a subscription of its own", after: "" as string | null, fastDocument: FeedSubscriptionDocument as TypedDocumentNode<{ offerFeed: BigEvent }, { marketplaceId: string; after?: string | null }>, atExchange: 2 },
  { how: "sharing a live subscription with a fast one", after: null, fastDocument: BIG, atExchange: 1 },
])("a slow consumer $how", ({ after, fastDocument, atExchange }) => {
  it("never holds up the others, is cut off with the cursor to resume from, and resumes without a gap", async () => {
    const market = await createMarketplace(og.admin, long("Marketplace"));
    const m = market.marketplace.id;
    const sellers = await Promise.all([0, 1, 2, 3].map(() => createSeller(og.admin, long("Seller"))));
    const product = await createProduct(og.admin, { name: long("Product") });
    for (const s of sellers) {
      await og.admin.data(AffiliateSellerDocument, { sellerId: s.seller.id, marketplaceId: m });
      await og.admin.data(SetStockDocument, { input: { ownerId: s.seller.id, productId: product.id, quantity: 9 } });
    }
    let price = 0;
    const submit = (seller: (typeof sellers)[number]) =>
      og.admin.data(SubmitOfferDocument, { input: { sellerId: seller.seller.id, marketplaceId: m, productId: product.id, price: ++price, currency: "BRL" } });
    // Live subscribers see the events from their start on; replaying ones from the first.
    if (after === "") await submit(sellers[0]!);

    const fast = subscribe(og.url, market.apiKey, fastDocument, { marketplaceId: m, after });
    const slow = subscribe(og.url, market.apiKey, BIG, { marketplaceId: m, after });
    const subscribers = () => metric(og.origin, "offergate_feed_subscribers");
    if (after === null) {
      for (let waited = 0; (await subscribers()) < atExchange || fast.events.length + slow.events.length > 0; waited += 20) {
        if (waited > 5_000) throw new Error("the subscriptions never reached the exchange");
        await sleep(20);
      }
      await sleep(200); // the second client joins the one subscription the first started
      await submit(sellers[0]!);
    }
    await Promise.all([fast.waitForEvents(1), slow.waitForEvents(1)]);
    expect(await subscribers()).toBe(atExchange);
    const skipped = (await readWholeFeed(og.admin, m)).length - 1; // events before the subscriptions started
    // The slow client stops reading its socket.
    slow.socket()!.pause();

    // Events of ~30 kB for the slow one, until the kernel's socket buffers (a few MB, more as
    // they grow) and its 10 results at the gateway are full, and it has taken nothing for STALL_MS.
    const cutOff = () => metric(og.origin, "offergate_gateway_subscriptions_interrupted_total", 'reason="SLOW_CONSUMER"');
    const cutBefore = await cutOff();
    let total = 1;
    let worstLag = 0;
    while ((await cutOff()) === cutBefore) {
      if (total > 1_500) throw new Error("the slow subscriber was never cut off");
      await Promise.all(
        sellers.map(async (s) => {
          for (let i = 0; i < 10; i++) await submit(s);
        }),
      );
      total += 40;
      const wrote = Date.now();
      // The fast one gets every event at once: it never waits on the slow one.
      await fast.waitForEvents(total);
      worstLag = Math.max(worstLag, Date.now() - wrote);
      await sleep(STALL_MS / 2);
    }
    expect(worstLag).toBeLessThan(1_000);
    // Its subscription at the exchange is gone too (or it left the shared one): nothing is read or held for it any more.
    expect(await subscribers()).toBe(1);
    const log = (await readWholeFeed(og.admin, m)).slice(skipped);
    expect(log).toHaveLength(total);
    expect(fast.events.map((e) => e.cursor)).toEqual(log.map((e) => e.cursor));

    // It reads again: what was already on its way, then the reason it was cut off.
    slow.socket()!.resume();
    await slow.waitForEnd(10_000);
    const received = slow.events.length;
    expect(received).toBeGreaterThan(1);
    expect(received).toBeLessThan(total);
    expect(slow.events.map((e) => e.cursor)).toEqual(log.slice(0, received).map((e) => e.cursor));
    const last = slow.events.at(-1)!.cursor;
    expect(slow.errors).toHaveLength(1);
    expect(slow.errors[0]!.extensions).toMatchObject({ code: "RATE_LIMITED", reason: "SLOW_CONSUMER", resumeAfter: last });
    expect(slow.errors[0]!.message).toContain(`after: "${last}"`);
    expect(slow.ended()).toBe("complete");
    await slow.close();

    // Resuming from the cursor it was given: the rest, once each, in order.
    const resumed = subscribe(og.url, market.apiKey, FeedSubscriptionDocument, { marketplaceId: m, after: last });
    await resumed.waitForEvents(total - received);
    await sleep(100);
    expect(resumed.events.map((e) => e.cursor)).toEqual(log.slice(received).map((e) => e.cursor));
    await Promise.all([resumed.close(), fast.close()]);
  });
});
