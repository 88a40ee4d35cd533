import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { OpenRouteDocument } from "../generated/graphql";
import { haveChromium, launchChromium, type WatchedPage } from "../helpers/browser";
import { buildWorld } from "../helpers/exchange";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/** Set to a folder (docs/img) to save a screenshot of each page there. */
const SCREENSHOTS = process.env.SCREENSHOT_DIR;

if (!haveChromium && process.env.CI === "true") {
  it("needs Chromium under CI", () => {
    throw new Error("/usr/bin/chromium is missing; .ci/run installs it (apt-get install chromium)");
  });
}

type Browser = Awaited<ReturnType<typeof launchChromium>>;

/** The accessible list's entries, as the explorer renders them: [offer id, data-available, data-quantity]. */
const listed = (w: WatchedPage) =>
  w.page.$$eval("li[data-offer-id]", (items) =>
    items.map((li) => [li.getAttribute("data-offer-id"), li.getAttribute("data-available"), li.getAttribute("data-quantity")] as const),
  );

/** Polls the page's list until `check` holds; returns how long that took. */
async function waitForList(w: WatchedPage, check: (entries: Awaited<ReturnType<typeof listed>>) => boolean, ms = 10_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    const entries = await listed(w);
    if (check(entries)) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`the list did not change as expected within ${ms} ms: ${JSON.stringify(entries)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

(haveChromium ? describe : describe.skip)("the pages in a real browser (headless Chromium)", () => {
  let og: TestOffergate;
  let chromium: Browser;
  beforeAll(async () => {
    og = await startTestOffergate();
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await og?.close();
  });

  it("the IDE runs a query, with an Authorization line to complete, everything from the service", async () => {
    const w = await buildWorld(og.admin, 1);
    const ide = await chromium.open(og.origin);
    await ide.page.goto(`${og.origin}/graphql`, { waitUntil: "networkidle0" });
    await ide.page.waitForSelector(".graphiql-query-editor .CodeMirror");
    const query = `query Find($id: ID!) { product(id: $id) { id name gtin } }`;
    await ide.page.evaluate(
      (q, vars) => {
        type Editor = { CodeMirror: { setValue(v: string): void } };
        (document.querySelector(".graphiql-query-editor .CodeMirror") as unknown as Editor).CodeMirror.setValue(q);
        (document.querySelector(".graphiql-editor-tool .CodeMirror") as unknown as Editor).CodeMirror.setValue(vars);
      },
      query,
      JSON.stringify({ id: w.productId }),
    );
    const headers = await ide.page.evaluate(() =>
      [...document.querySelectorAll(".graphiql-editor-tool .CodeMirror")].map((e) => (e as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue()).join("\n"),
    );
    expect(headers).toMatch(/"Authorization": "Bearer /);
    // GraphiQL reads the operation's name from the editor a moment after a change (the tab takes its name).
    await ide.page.waitForFunction(() => document.querySelector(".graphiql-tab-active")?.textContent?.includes("Find"), { timeout: 10_000 });
    await ide.page.click(".graphiql-execute-button");
    await ide.page.waitForFunction(
      (name) => (document.querySelector(".graphiql-response .CodeMirror") as unknown as { CodeMirror: { getValue(): string } } | null)?.CodeMirror.getValue().includes(name),
      { timeout: 10_000 },
      w.product.name,
    );
    const response = JSON.parse(
      await ide.page.evaluate(() => (document.querySelector(".graphiql-response .CodeMirror") as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue()),
    ) as unknown;
    expect(response).toEqual({ data: { product: { id: w.productId, name: w.product.name, gtin: w.product.gtin } } });
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await ide.page.screenshot({ path: join(SCREENSHOTS, "ide.png") });
    }

    // A subscription runs too (over SSE), and shows an update caused meanwhile.
    await ide.page.evaluate(
      (q) => (document.querySelector(".graphiql-query-editor .CodeMirror") as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(q),
      `subscription Live($id: ID!) { offerUpdates(productId: $id) { id price } }`,
    );
    await ide.page.waitForFunction(() => document.querySelector(".graphiql-tab-active")?.textContent?.includes("Live"), { timeout: 10_000 });
    await ide.page.click(".graphiql-execute-button");
    const m = w.ids[0]!;
    await w.affiliate(m);
    const responseText = () =>
      ide.page.evaluate(() => (document.querySelector(".graphiql-response .CodeMirror") as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
    // The subscription may not have reached the exchange yet: submit again with new prices until one shows.
    for (let price = 101; !(await responseText()).includes(`"price": ${price - 1}`); price++) {
      if (price > 140) throw new Error(`no update in the IDE: ${await responseText()}`);
      await w.submit(m, price);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await responseText()).toContain('"offerUpdates"');
    expect(ide.foreign).toEqual([]);
    expect(ide.errors).toEqual([]);
    await ide.page.close();
  });

  it("the explorer finds a product, shows its offer graph, and follows stock changes and new forwards live", async () => {
    // Seller → A → B → C, each route forwarding on its own, every gate open.
    const w = await buildWorld(og.admin, 4);
    const [a, b, c, d] = w.ids as [string, string, string, string];
    await w.affiliate(a);
    await w.setStock(w.sellerId, 5);
    for (const m of [a, b, c]) await w.setStock(m, 3);
    await w.openRoute(a, b, { autoForward: true });
    await w.openRoute(b, c, { autoForward: true, quantityPolicy: "MIN_OF_CHAIN" });
    const direct = await w.submit(a, 2490);

    const explorer = await chromium.open(og.origin);
    // The search first: by a part of the name, as a visitor types it.
    await explorer.page.goto(`${og.origin}/`, { waitUntil: "networkidle0" });
    await explorer.page.type("#product-search", w.product.name.slice(-8));
    await explorer.page.waitForFunction((id) => !!document.querySelector(`a[href="/?productId=${id}"]`), { timeout: 10_000 }, w.productId);
    await explorer.page.click(`a[href="/?productId=${w.productId}"]`);
    await explorer.page.waitForSelector("li[data-offer-id]");
    await waitForList(explorer, (entries) => entries.length === 3);
    expect(new URL(explorer.page.url()).searchParams.get("productId")).toBe(w.productId);
    expect(await explorer.page.$$eval("svg.graph rect.offer", (r) => r.length)).toBe(3);
    expect(await explorer.page.$$eval("svg.graph rect.seller", (r) => r.length)).toBe(1);
    await waitForList(explorer, (entries) => entries.every(([, available, quantity]) => available === "true" && quantity !== "0"));
    await explorer.page.waitForSelector(".live.on");

    // Stock moving elsewhere: A's stock runs out, so B's and C's offers close; the page follows without a reload.
    await w.setStock(a, 0);
    const closed = await waitForList(explorer, (entries) => entries.filter(([, available]) => available === "false").length === 2);
    expect((await listed(explorer)).find(([id]) => id === direct.id)).toEqual([direct.id, "true", "5"]);
    await w.setStock(a, 3);
    await w.setStock(w.sellerId, 9);
    const quantities = await waitForList(explorer, (entries) => entries.map(([, , q]) => q).sort().join() === "3,9,9");
    // An offer forwarded while the page is open joins the list.
    await w.setStock(c, 2);
    await og.admin.data(OpenRouteDocument, { input: { fromMarketplaceId: c, toMarketplaceId: d, autoForward: true } });
    const forwarded = await waitForList(explorer, (entries) => entries.length === 4);
    // C's gate closes: the offer it forwarded to D goes out, and its card says why.
    await w.setStock(c, 0);
    const gated = await waitForList(explorer, (entries) => entries.filter(([, available]) => available === "false").length === 1);
    const [atD] = (await listed(explorer)).filter(([, available]) => available === "false");
    expect(await explorer.page.$$eval("svg.graph text", (t) => t.map((e) => e.textContent))).toEqual(
      expect.arrayContaining(["unavailable · forwarder out of stock", "its stock gate: closed"]),
    );
    expect(Math.max(closed, quantities, forwarded, gated)).toBeLessThan(5_000);

    // Click for the details.
    await explorer.page.click(`li[data-offer-id="${atD![0]}"] button`);
    const details = await explorer.page.$eval("aside.details", (e) => e.textContent ?? "");
    expect(details).toContain(atD![0]);
    expect(details).toContain("FORWARDER_OUT_OF_STOCK");
    expect(details).toContain("24.90");
    if (SCREENSHOTS) await explorer.page.screenshot({ path: join(SCREENSHOTS, "explorer.png"), fullPage: true });
    expect(explorer.foreign).toEqual([]);
    expect(explorer.errors).toEqual([]);
    await explorer.page.close();
  });
});
