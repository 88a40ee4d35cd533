import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { ForwardOfferDocument, OfferDocument, StockLevelDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { readWholeFeed } from "../helpers/feed-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";
import { freePort, runNode, type RunningProcess } from "../helpers/processes";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `done` holds, for at most `timeoutMs`. */
async function until(done: () => boolean | Promise<boolean>, what: () => string, timeoutMs = 20_000) {
  for (const deadline = Date.now() + timeoutMs; !(await done()); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
  }
}

/**
 * Each example (examples/, built to dist/examples/ by `npm run build`) run as
 * its user would, as a process of its own, against a running service.
 */
describe("the examples against a running service", () => {
  let og: TestOffergate;
  let dir: string;
  const running: RunningProcess[] = [];
  const example = (name: string, env: Record<string, string>, args: string[] = []) => {
    const p = runNode(`examples/${name}.js`, { OFFERGATE_URL: og.url, ...env }, { args });
    running.push(p);
    return p;
  };
  beforeAll(async () => {
    og = await startTestOffergate();
    dir = await mkdtemp(join(tmpdir(), "offergate-examples-"));
  });
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL");
    await og.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("offer-graph prints a product's offers, forwards under their source", async () => {
    const w = await buildWorld(og.admin, 2);
    const [a, b] = w.ids as [string, string];
    await w.affiliate(a);
    await w.setStock(w.sellerId, 7);
    await w.setStock(a, 1);
    await w.openRoute(a, b);
    const direct = await w.submit(a, 1999);
    const forwarded = (await og.admin.data(ForwardOfferDocument, { offerId: direct.id, to: b })).forwardOffer;

    const withGtin = await runExample("offer-graph", { OFFERGATE_URL: og.url }, [w.product.gtin]);
    expect(withGtin.code).toBe(0);
    const lines = withGtin.output.trim().split("\n");
    expect(lines[0]).toBe(`${w.product.name} (GTIN ${w.product.gtin}): 2 offers`);
    expect(lines[1]).toBe(`  ${w.seller.seller.name} → ${w.markets[0]!.marketplace.name}: 19.99 BRL, ACTIVE, available, 7 [${direct.id}]`);
    expect(lines[2]).toBe(`      ${w.markets[1]!.marketplace.name} (forwarded by ${w.markets[0]!.marketplace.name}): 19.99 BRL, ACTIVE, available, 7 [${forwarded.id}]`);

    const unknown = await runExample("offer-graph", { OFFERGATE_URL: og.url }, ["4006381333931"]);
    expect([unknown.code, unknown.output.trim()]).toEqual([1, "error: no product with GTIN 4006381333931"]);
  });

  it("feed-consumer prints the feed, keeps its cursor in a file, and resumes after it when run again", async () => {
    const w = await buildWorld(og.admin, 1);
    const m = w.ids[0]!;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    const offer = await w.submit(m, 100);
    const cursorFile = join(dir, "feed.cursor");
    const env = { OFFERGATE_API_KEY: w.markets[0]!.apiKey, CURSOR_FILE: cursorFile };

    const first = example("feed-consumer", env);
    await first.waitFor(new RegExp(`ELIGIBLE ${offer.id}: available, 5 at 100`));
    await w.submit(m, 200);
    await first.waitFor(new RegExp(`UPDATED ${offer.id}: available, 5 at 200`));
    await until(async () => (await readFile(cursorFile, "utf8").catch(() => "")).trim() === (await readWholeFeed(og.admin, m)).at(-1)!.cursor, () => "the cursor file");
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(first.output()).toMatch(/stopped; the last cursor is in/);

    await w.setStock(w.sellerId, 0);
    const second = example("feed-consumer", { ...env, TRANSPORT: "ws" });
    await second.waitFor(new RegExp(`INELIGIBLE ${offer.id}: unavailable \\(SELLER_OUT_OF_STOCK\\)`));
    await sleep(300);
    // Only what happened after the cursor: no event printed again.
    expect(second.output()).not.toMatch(/ELIGIBLE .*at 100|UPDATED/);
    await second.stop("SIGTERM");
  });

  it("webhook-receiver acknowledges a signed delivery once, refuses a forged one", async () => {
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    const port = await freePort();
    const receiver = example("webhook-receiver", { WEBHOOK_SECRET: secret, PORT: String(port) });
    await receiver.waitFor(/listening on/);
    const body = JSON.stringify({
      webhookId: "whk_1",
      marketplaceId: "mkt_1",
      events: [
        {
          cursor: "c1",
          type: "ELIGIBLE",
          marketplaceId: "mkt_1",
          offerId: "off_example",
          available: true,
          quantity: 3,
          price: 500,
          unavailableReason: null,
          occurredAt: "2026-12-04T17:00:00.000Z",
        },
      ],
    });
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(`http://127.0.0.1:${port}/webhooks/offergate`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: payload });
    const sign = (id: string, payload = body) => {
      const at = new Date();
      return { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(secret).sign(id, at, payload) };
    };

    expect((await post(sign("msg_1"))).status).toBe(204);
    await receiver.waitFor(/ELIGIBLE off_example: available, 3 at 500/);
    expect((await post(sign("msg_1"))).status).toBe(204); // a retry of the same delivery
    await receiver.waitFor(/delivery msg_1 again: already handled/);
    expect((await post(sign("msg_2"), body.replace("500", "1"))).status).toBe(401); // signed over another body
    expect((await post({ ...sign("msg_3"), "webhook-signature": "v1,AAAA" })).status).toBe(401);
    expect(receiver.output().match(/ELIGIBLE off_example/g)).toHaveLength(1);
  });

  it("partner-sync submits the catalog as offers and keeps stock in sync with the file", async () => {
    const w = await buildWorld(og.admin, 2);
    for (const m of w.ids) await w.affiliate(m);
    const catalogFile = join(dir, "catalog.json");
    const write = (quantity: number, price: number) =>
      writeFile(catalogFile, JSON.stringify({ marketplaceIds: w.ids, items: [{ gtin: w.product.gtin, price, currency: "BRL", quantity }] }));
    await write(4, 1500);

    const p = example("partner-sync", { OFFERGATE_API_KEY: w.seller.apiKey }, [catalogFile]);
    await p.waitFor(/in sync; watching/);
    const stock = async (owner: string) => (await og.admin.data(StockLevelDocument, { ownerId: owner, productId: w.productId })).stockLevel!.quantity;
    expect(await stock(w.sellerId)).toBe(4);
    const offers = [...p.output().matchAll(/offer (off_\S+) /g)].map((m) => m[1]!);
    expect(offers).toHaveLength(2);
    for (const id of offers) expect((await og.admin.data(OfferDocument, { id })).offer).toMatchObject({ price: 1500, available: true, quantity: 4 });

    await write(9, 1500);
    await until(async () => (await stock(w.sellerId)) === 9, () => "the stock to follow the file");
    await write(9, 1400);
    await until(async () => (await og.admin.data(OfferDocument, { id: offers[0]! })).offer!.price === 1400, () => "the price to follow the file");
    expect(p.output()).toMatch(/stock \d+: 4 -> 9/);
  });
});

/** Runs `node dist/examples/<name>.js args...` to its end; its output, stdout and stderr together. */
async function runExample(name: string, env: Record<string, string>, args: string[]) {
  const p = runNode(`examples/${name}.js`, env, { args });
  return { code: await p.exit(), output: p.output() };
}
