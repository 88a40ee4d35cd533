import { print } from "graphql";
import type { StartOptions } from "../../src/app";
import { createClient as createSseClient } from "graphql-sse";
import { OfferUpdatesDocument, ProductSearchDocument, SubmitOffersDocument, type OfferUpdatesSubscription } from "../generated/graphql";
import { createProduct } from "../fixtures";
import { buildWorld, type World } from "../helpers/exchange";
import { subscribe } from "../helpers/feed-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

type Update = OfferUpdatesSubscription["offerUpdates"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `done` holds, for up to `ms`. */
async function until(done: () => boolean, ms = 10_000, what = "the condition"): Promise<void> {
  for (const start = Date.now(); !done(); await sleep(20)) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
  }
}

/** For each offer, the versions received in order: each strictly above the one before. */
function expectRisingVersions(updates: Update[]): void {
  const last = new Map<string, number>();
  for (const u of updates) {
    expect(u.version).toBeGreaterThan(last.get(u.id) ?? 0);
    last.set(u.id, u.version);
  }
}

/** A world with an offer at A, forwarded automatically to B once A has stock. */
async function forwardingWorld(og: TestOffergate): Promise<World & { a: string; b: string }> {
  const w = await buildWorld(og.admin, 2);
  const [a, b] = w.ids as [string, string];
  await w.affiliate(a);
  await w.openRoute(a, b, { autoForward: true });
  await w.setStock(w.sellerId, 5);
  return { ...w, a, b };
}

/** An anonymous subscriber over the graphql-sse client (distinct connections mode). */
function subscribeSse(url: string, variables: Record<string, unknown>) {
  const client = createSseClient({ url, retryAttempts: 0 });
  const updates: Update[] = [];
  const errors: unknown[] = [];
  const iterator = client.iterate<OfferUpdatesSubscription>({ query: print(OfferUpdatesDocument), variables });
  void (async () => {
    try {
      for await (const result of iterator) {
        if (result.errors) errors.push(...result.errors);
        if (result.data) updates.push(result.data.offerUpdates);
      }
    } catch (error) {
      errors.push(error);
    }
  })();
  return {
    updates,
    errors,
    close: async () => {
      await iterator.return?.();
      client.dispose();
    },
  };
}

/** The gateway reaches the exchange by a call in its process (the embedded default), or over HTTP and a WebSocket of its own. */
describe.each<[string, NonNullable<StartOptions["subgraphTransport"]>]>([
  ["in the gateway's process", "in-process"],
  ["over a WebSocket", "http"],
])("offerUpdates, the exchange reached %s", (_how, transport) => {
  let og: TestOffergate;
  beforeAll(async () => {
    og = await startTestOffergate({}, { subgraphTransport: transport });
  });
  afterAll(() => og.close());

  /** Waits until this process has `n` more offerUpdates subscriptions open at the exchange than `before`. */
  const opened = async (before: number, n = 1) => {
    await until(() => og.app.local.exchange !== undefined, 1);
    const services = (og.app.local.exchange as unknown as { services: { offerUpdates: { subscribers: number } } }).services;
    await until(() => services.offerUpdates.subscribers >= before + n, 10_000, "the subscription to reach the exchange");
  };
  const subscribers = () => (og.app.local.exchange as unknown as { services: { offerUpdates: { subscribers: number } } }).services.offerUpdates.subscribers;

  it("streams a product's offers to an anonymous client each time their version goes up, with fields of every subgraph, forwards included", async () => {
    const w = await forwardingWorld(og);
    const before = subscribers();
    const sub = subscribe(og.url, undefined, OfferUpdatesDocument, { productId: w.productId });
    await opened(before);

    const direct = await w.submit(w.a, 1000); // new offer at A; A has no stock: not forwarded yet
    await until(() => sub.events.some((u) => u.id === direct.id), 10_000, "the new offer");
    await w.setStock(w.a, 3); // the gate opens: the route forwards the offer to B
    await until(() => sub.events.some((u) => u.depth === 1), 10_000, "the forwarded offer");
    const forwarded = sub.events.find((u) => u.depth === 1)!;
    expect(forwarded).toMatchObject({
      marketplace: { id: w.b, name: w.markets[1]!.marketplace.name },
      seller: { id: w.sellerId, name: w.seller.seller.name },
      product: { id: w.productId, name: w.product.name },
      source: { id: direct.id },
      available: true,
      quantity: 5,
    });

    await w.setStock(w.sellerId, 0); // both offers become unavailable
    await until(() => sub.events.filter((u) => !u.available).length >= 2, 10_000, "both offers unavailable");
    expect(sub.events.filter((u) => !u.available).map((u) => [u.id, u.quantity, u.unavailableReason]).sort()).toEqual(
      [
        [direct.id, 0, "SELLER_OUT_OF_STOCK"],
        [forwarded.id, 0, "SELLER_OUT_OF_STOCK"],
      ].sort(),
    );
    const received = sub.events.length;
    await w.setStock(w.sellerId, 0); // the same quantity: nothing changes
    await w.setStock(w.a, 4); // the forwarder's stock moves, but neither offer shows anything new
    await w.submit(w.a, 1000); // the same price again
    await sleep(300);
    expect(sub.events).toHaveLength(received);
    expect(sub.errors).toEqual([]);
    expectRisingVersions(sub.events);
    // The last update of each offer is the offer as it is now.
    for (const id of [direct.id, forwarded.id]) {
      const now = await w.offer(id);
      expect(sub.events.filter((u) => u.id === id).at(-1)!.version).toBe(now.version);
    }
    await sub.close();
    await until(() => subscribers() === before, 5_000, "the subscription to end at the exchange");
  });

  it("streams offers that submitOffers creates in bulk, as it does a single submitOffer's", async () => {
    const w = await buildWorld(og.admin, 2);
    for (const id of w.ids) await w.affiliate(id);
    await w.setStock(w.sellerId, 2);
    const before = subscribers();
    const sub = subscribe(og.url, undefined, OfferUpdatesDocument, { productId: w.productId });
    await opened(before);
    const payload = await og.admin.data(SubmitOffersDocument, {
      input: w.ids.map((marketplaceId) => ({ sellerId: w.sellerId, marketplaceId, productId: w.productId, price: 1500, currency: "BRL" })),
    });
    const created = payload.submitOffers.results.map((r) => r.offer!.id).sort();
    expect(created).toHaveLength(2);
    await until(() => created.every((id) => sub.events.some((u) => u.id === id)), 10_000, "both bulk-created offers");
    expect(sub.events.filter((u) => created.includes(u.id)).map((u) => [u.id, u.available, u.quantity]).sort()).toEqual(
      created.map((id) => [id, true, 2]),
    );
    await sub.close();
  });

  it("filters by product, by marketplace, or by both", async () => {
    const w = await forwardingWorld(og);
    await w.setStock(w.a, 3);
    const before = subscribers();
    const byMarket = subscribe(og.url, undefined, OfferUpdatesDocument, { marketplaceId: w.b });
    const byBoth = subscribe(og.url, undefined, OfferUpdatesDocument, { productId: w.productId, marketplaceId: w.a });
    const otherProduct = await createProduct(og.admin);
    const byOther = subscribe(og.url, undefined, OfferUpdatesDocument, { productId: otherProduct.id });
    await opened(before, 3);

    const direct = await w.submit(w.a, 700);
    await until(() => byMarket.events.length > 0 && byBoth.events.length > 0, 10_000, "updates at A and B");
    await w.submit(w.a, 800); // the price goes down the chain
    await until(() => byMarket.events.some((u) => u.price === 800) && byBoth.events.some((u) => u.price === 800), 10_000, "the new price");
    await sleep(200);
    expect(new Set(byBoth.events.map((u) => u.id))).toEqual(new Set([direct.id]));
    expect(byMarket.events.every((u) => u.marketplace.id === w.b && u.depth === 1)).toBe(true);
    expect(byOther.events).toEqual([]);
    for (const s of [byMarket, byBoth, byOther]) await s.close();
  });

  it("needs at least one argument (BAD_USER_INPUT), and existing ids (NOT_FOUND)", async () => {
    const none = subscribe(og.url, undefined, OfferUpdatesDocument, {});
    await none.waitForEnd();
    expect(none.errors.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    const w = await buildWorld(og.admin, 1);
    const unknown = subscribe(og.url, undefined, OfferUpdatesDocument, { productId: w.sellerId });
    await unknown.waitForEnd();
    expect(unknown.errors.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
    const noMarket = subscribe(og.url, undefined, OfferUpdatesDocument, { productId: w.productId, marketplaceId: "marketplace_nope" });
    await noMarket.waitForEnd();
    expect(noMarket.errors.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
  });

  it("works over Server-Sent Events with the graphql-sse client", async () => {
    const w = await forwardingWorld(og);
    const before = subscribers();
    const sub = subscribeSse(og.url, { productId: w.productId });
    await opened(before);
    const direct = await w.submit(w.a, 1500);
    await w.setStock(w.sellerId, 2);
    await until(() => sub.updates.some((u) => u.id === direct.id && u.quantity === 2), 10_000, "the update over SSE");
    expect(sub.errors).toEqual([]);
    expect(sub.updates.at(-1)).toMatchObject({ id: direct.id, product: { name: w.product.name }, seller: { name: w.seller.seller.name } });
    expectRisingVersions(sub.updates);
    await sub.close();

    const bad = subscribeSse(og.url, {});
    await until(() => bad.errors.length > 0, 10_000, "the refusal over SSE");
    expect((bad.errors[0] as { extensions?: { code?: string } }).extensions?.code).toBe("BAD_USER_INPUT");
    await bad.close();
  });
});

describe("products(search)", () => {
  let og: TestOffergate;
  beforeAll(async () => {
    og = await startTestOffergate();
  });
  afterAll(() => og.close());

  it("finds products by part of the name in any case, or by GTIN digits; refuses an empty search", async () => {
    const tag = `Zq${Date.now().toString(36)}`;
    const kettle = await createProduct(og.admin, { name: `Steel Kettle ${tag}` });
    const teapot = await createProduct(og.admin, { name: `Clay teapot ${tag}` });
    const search = async (text: string) =>
      (await og.anonymous.data(ProductSearchDocument, { search: text, first: 100 })).products.edges.map((e) => e.node.id);
    expect(await search(`kettle ${tag.toLowerCase()}`)).toEqual([kettle.id]);
    expect(await search(tag.toUpperCase())).toEqual([kettle.id, teapot.id]);
    expect(await search(teapot.gtin)).toEqual([teapot.id]);
    expect(await search("a(b[c")).toEqual([]); // regular-expression characters are plain text
    const refused = await og.anonymous.execute(ProductSearchDocument, { search: " " });
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
  });
});
