import { OfferImportDocument, OfferImportProgressDocument, SetStockDocument } from "../generated/graphql";
import { createMarketplace, createProduct, createSeller, uniqueGtin, withWrongCheckDigit } from "../fixtures";
import { subscribe } from "../helpers/feed-client";
import { errorCodes } from "../helpers/graphql-client";
import { postImport, waitForImport } from "../helpers/imports";
import { httpGet, startTestOffergate, type TestOffergate } from "../helpers/offergate";

let og: TestOffergate;
beforeAll(async () => {
  // Small limits, to reach them with small files; small chunks, to see an import move; no
  // periodic sweep, whose reads would land among the statements a test counts.
  og = await startTestOffergate({ IMPORT_MAX_LINES: "3000", IMPORT_MAX_BYTES: "200000", IMPORT_CHUNK_LINES: "100", FEED_SWEEP_INTERVAL_MS: "3600000" });
});
afterAll(async () => {
  await og.close();
});

async function world() {
  const seller = await createSeller(og.admin);
  const market = await createMarketplace(og.admin);
  await og.admin.post({
    query: `mutation { affiliateSeller(sellerId: "${seller.seller.id}", marketplaceId: "${market.marketplace.id}") { createdAt } }`,
  });
  const products = [await createProduct(og.admin), await createProduct(og.admin), await createProduct(og.admin)];
  return { seller, market, sellerId: seller.seller.id, marketplaceId: market.marketplace.id, products };
}

const offersOf = async (sellerId: string) =>
  (
    await og.admin.post({
      query: `{ offers(filter: { sellerId: "${sellerId}" }, first: 100) { edges { node { price currency available quantity product { id } } } } }`,
    })
  ).data.offers.edges.map((e: any) => e.node);

const stockOf = async (ownerId: string, productId: string) =>
  (await og.admin.post({ query: `{ stockLevel(ownerId: "${ownerId}", productId: "${productId}") { quantity } }` })).data.stockLevel.quantity;

describe("POST /imports/offers", () => {
  it("applies the good lines and reports each bad one with its line number and code", async () => {
    const w = await world();
    const [p0, p1, p2] = w.products as [any, any, any];
    const csv = [
      "Currency,price,gtin,quantity", // any order, any case
      `BRL,1999,${p0.gtin},7`,
      `BRL,-5,${p1.gtin},3`, // 3: bad price; its quantity is not applied either
      `BRL,100,${uniqueGtin()},1`, // 4: unknown GTIN
      `BRL,100,${withWrongCheckDigit(p1.gtin)},1`, // 5: invalid GTIN
      "",
      `usd,100,${p1.gtin},`, // 7: bad currency
      `BRL,100,${p1.gtin},x`, // 8: bad quantity
      `BRL,100,${p1.gtin}`, // 9: a field missing
      `"BRL,2500,${p2.gtin},`, // 10: unreadable
    ].join("\n");
    const posted = await postImport(og.origin, w.seller.apiKey, { marketplaceId: w.marketplaceId }, csv);
    expect([posted.status, posted.body]).toEqual([202, { id: expect.any(String) }]);
    expect(posted.location).toBe(`/imports/offers/${posted.body.id}`);
    const done = await waitForImport(w.seller.client, posted.body.id);
    expect(done).toMatchObject({ status: "DONE", total: 8, processed: 8, succeeded: 1, failed: 7, failureReason: null });
    expect(done.seller.id).toBe(w.sellerId);
    expect(done.finishedAt).not.toBeNull();
    expect(done.errors.totalCount).toBe(7);
    expect(done.errors.edges.map((e) => [e.node.line, e.node.code])).toEqual([
      [3, "BAD_USER_INPUT"],
      [4, "NOT_FOUND"],
      [5, "BAD_USER_INPUT"],
      [7, "BAD_USER_INPUT"],
      [8, "BAD_USER_INPUT"],
      [9, "BAD_USER_INPUT"],
      [10, "BAD_USER_INPUT"],
    ]);
    // The good line as submitOffer and setStock would apply it; nothing of the bad ones.
    expect(await offersOf(w.sellerId)).toEqual([{ price: 1999, currency: "BRL", available: true, quantity: 7, product: { id: p0.id } }]);
    expect(await stockOf(w.sellerId, p1.id)).toBe(0);

    // The errors connection walks page by page, each error once.
    const seen: number[] = [];
    let after: string | null | undefined = null;
    for (let i = 0; i < 10; i++) {
      const page: any = (await w.seller.client.data(OfferImportDocument, { id: posted.body.id, first: 3, after })).offerImport!.errors;
      seen.push(...page.edges.map((e: any) => e.node.line));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(done.errors.edges.map((e) => e.node.line));

    // errors.csv: the same, as line,code,message.
    const res = await fetch(`${og.origin}/imports/offers/${posted.body.id}/errors.csv`, { headers: { authorization: `Bearer ${w.seller.apiKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = (await res.text()).trim().split("\n");
    expect(rows[0]).toBe("line,code,message");
    expect(rows.slice(1).map((r) => r.split(",").slice(0, 2).join(","))).toEqual(done.errors.edges.map((e) => `${e.node.line},${e.node.code}`));

    // Importing the same file again changes nothing: lines are idempotent.
    const version = async () =>
      (await og.admin.post({ query: `{ offers(filter: { sellerId: "${w.sellerId}" }, first: 10) { edges { node { version } } } }` })).data.offers.edges.map(
        (e: any) => e.node.version,
      );
    const before = await version();
    const again = await postImport(og.origin, w.seller.apiKey, { marketplaceId: w.marketplaceId }, csv);
    expect((await waitForImport(w.seller.client, again.body.id)).succeeded).toBe(1);
    expect(await version()).toEqual(before);
  });

  it("leaves new offers with quantities as submitOffer then setStock would: versions, feed events, the seller's other offers", async () => {
    // Two sellers alike, each with an offer of p0 at a second marketplace and stock 2 of p1 beforehand;
    // one imports, the other makes the single calls the import's lines stand for.
    const setUp = async () => {
      const w = await world();
      const other = await createMarketplace(og.admin);
      await og.admin.post({ query: `mutation { affiliateSeller(sellerId: "${w.sellerId}", marketplaceId: "${other.marketplace.id}") { createdAt } }` });
      const [p0, p1] = w.products as [any, any, any];
      await og.admin.post({
        query: `mutation { submitOffer(input: { sellerId: "${w.sellerId}", marketplaceId: "${other.marketplace.id}", productId: "${p0.id}", price: 50, currency: "BRL" }) { id } }`,
      });
      await og.admin.post({ query: `mutation { setStock(input: { ownerId: "${w.sellerId}", productId: "${p1.id}", quantity: 2 }) { version } }` });
      return { ...w, otherId: other.marketplace.id };
    };
    const lines = (w: Awaited<ReturnType<typeof setUp>>) => {
      const [p0, p1, p2] = w.products as [any, any, any];
      return [
        { product: p0, price: 100, quantity: 5 }, // stock arrives: this offer and the one at the other marketplace become available
        { product: p1, price: 200, quantity: 3 }, // stock there already: available at once, then a new quantity
        { product: p2, price: 300, quantity: null }, // no stock: stays unavailable
      ];
    };
    const outcome = async (w: Awaited<ReturnType<typeof setUp>>) => {
      const offers = (
        await og.admin.post({
          query: `{ offers(filter: { sellerId: "${w.sellerId}" }, first: 100) { edges { node { marketplace { id } product { id } price available quantity unavailableReason version } } } }`,
        })
      ).data.offers.edges.map(({ node }: any) => ({ ...node, marketplace: node.marketplace.id === w.marketplaceId ? "imported" : "other", product: w.products.findIndex((p: any) => p.id === node.product.id) }));
      const events = async (m: string) =>
        (
          await og.admin.post({ query: `{ offerEvents(marketplaceId: "${m}", first: 100) { edges { node { type available quantity price unavailableReason offer { product { id } } } } } }` })
        ).data.offerEvents.edges.map(({ node }: any) => ({ ...node, offer: w.products.findIndex((p: any) => p.id === node.offer.product.id) }));
      const stock = await Promise.all(w.products.map((p: any) => stockOf(w.sellerId, p.id)));
      const byKey = (a: any, b: any) => `${a.marketplace}${a.product}`.localeCompare(`${b.marketplace}${b.product}`);
      return { offers: offers.sort(byKey), imported: await events(w.marketplaceId), other: await events(w.otherId), stock };
    };

    const imported = await setUp();
    const csv = ["gtin,price,currency,quantity", ...lines(imported).map((l) => `${l.product.gtin},${l.price},BRL,${l.quantity ?? ""}`)].join("\n");
    const posted = await postImport(og.origin, imported.seller.apiKey, { marketplaceId: imported.marketplaceId }, csv);
    expect((await waitForImport(imported.seller.client, posted.body.id)).succeeded).toBe(3);

    const singles = await setUp();
    for (const l of lines(singles)) {
      await og.admin.post({
        query: `mutation { submitOffer(input: { sellerId: "${singles.sellerId}", marketplaceId: "${singles.marketplaceId}", productId: "${l.product.id}", price: ${l.price}, currency: "BRL" }) { id } }`,
      });
      if (l.quantity !== null) {
        await og.admin.post({ query: `mutation { setStock(input: { ownerId: "${singles.sellerId}", productId: "${l.product.id}", quantity: ${l.quantity} }) { version } }` });
      }
    }

    const expected = await outcome(singles);
    expect(expected.stock).toEqual([5, 3, 0]);
    expect(expected.imported.map((e: any) => [e.type, e.offer, e.quantity])).toEqual([
      ["ELIGIBLE", 0, 5],
      ["ELIGIBLE", 1, 2],
      ["UPDATED", 1, 3],
    ]);
    expect(await outcome(imported)).toEqual(expected);
  });

  it("reads a chunk's products once, by GTIN, its stock levels twice and offers twice", async () => {
    const w = await world();
    const csv = ["gtin,price,currency,quantity", ...w.products.map((p: any, i: number) => `${p.gtin},${100 + i},BRL,${i + 1}`)].join("\n");
    const reads = async () => {
      const { body } = await httpGet(`${og.origin}/metrics`);
      const of = (collection: string) => Number(new RegExp(`^offergate_db_commands_total\\{collection="${collection}",command="find"\\} (\\d+)`, "m").exec(body)?.[1] ?? 0);
      return { products: of("products"), stock: of("stock_levels"), offers: of("offers") };
    };
    const before = await reads();
    const posted = await postImport(og.origin, w.seller.apiKey, { marketplaceId: w.marketplaceId }, csv);
    expect((await waitForImport(w.seller.client, posted.body.id)).succeeded).toBe(3);
    const after = await reads();
    // The offers' checks find the products the look-up named: no second read by id.
    expect(after.products - before.products).toBe(1);
    // The levels read before the offers are evaluated, and those just written, stand for reading them again;
    // the offers once inserted are evaluated on levels read afresh.
    expect(after.stock - before.stock).toBe(2);
    // Existing offers by key, and those reading the levels written; none forwarded from the new offers,
    // which no evaluation after their insert changed; none a seller's stock arriving could let be forwarded.
    expect(after.offers - before.offers).toBe(2);
    expect(await Promise.all(w.products.map((p: any) => stockOf(w.sellerId, p.id)))).toEqual([1, 2, 3]);
  });

  it("takes productId instead of gtin, and an admin importing for a seller", async () => {
    const w = await world();
    const csv = `productId,price,currency\n${w.products[0]!.id},500,EUR\n${w.products[1]!.id},600,EUR\nprd_nothing,1,EUR\n`;
    const posted = await postImport(og.origin, og.adminApiKey, { marketplaceId: w.marketplaceId, sellerId: w.sellerId }, csv);
    expect(posted.status).toBe(202);
    const done = await waitForImport(og.admin, posted.body.id);
    expect(done).toMatchObject({ status: "DONE", total: 3, succeeded: 2, failed: 1 });
    expect(done.errors.edges.map((e) => [e.node.line, e.node.code])).toEqual([[4, "NOT_FOUND"]]);
    expect((await offersOf(w.sellerId)).map((o: any) => o.price).sort()).toEqual([500, 600]);
  });

  it("refuses with the contract's status and code, and starts nothing", async () => {
    const w = await world();
    const other = await world();
    const good = `gtin,price,currency\n${w.products[0]!.gtin},1,BRL\n`;
    const m = { marketplaceId: w.marketplaceId };
    const cases: [string | undefined, Record<string, string>, string, number, string][] = [
      [undefined, m, good, 401, "UNAUTHENTICATED"],
      ["og_not_a_key_at_all_0000000000", m, good, 401, "UNAUTHENTICATED"],
      [w.market.apiKey, m, good, 403, "FORBIDDEN"],
      [w.seller.apiKey, { ...m, sellerId: other.sellerId }, good, 403, "FORBIDDEN"],
      [og.adminApiKey, m, good, 400, "BAD_USER_INPUT"], // the admin names no seller
      [w.seller.apiKey, {}, good, 400, "BAD_USER_INPUT"],
      [w.seller.apiKey, { marketplaceId: "mkt_000000000000000000000000" }, good, 404, "NOT_FOUND"],
      [og.adminApiKey, { ...m, sellerId: "sel_000000000000000000000000" }, good, 404, "NOT_FOUND"],
      [w.seller.apiKey, { marketplaceId: other.marketplaceId }, good, 409, "NOT_AFFILIATED"],
      [w.seller.apiKey, m, `gtin,price,currency,colour\n${w.products[0]!.gtin},1,BRL,red\n`, 400, "BAD_USER_INPUT"],
      [w.seller.apiKey, m, `gtin,productId,price,currency\n`, 400, "BAD_USER_INPUT"],
      [w.seller.apiKey, m, `gtin,currency\n`, 400, "BAD_USER_INPUT"],
      [w.seller.apiKey, m, ``, 400, "BAD_USER_INPUT"],
      [w.seller.apiKey, m, `gtin,price,currency\n` + `${w.products[0]!.gtin},1,BRL\n`.repeat(3001), 400, "BAD_USER_INPUT"], // lines
      [w.seller.apiKey, m, `gtin,price,currency\n` + `${w.products[0]!.gtin},1,BRL\n`.repeat(2900) + "x".repeat(200_000), 400, "BAD_USER_INPUT"], // bytes
    ];
    for (const [key, query, csv, status, code] of cases) {
      const r = await postImport(og.origin, key, query, csv);
      expect([r.status, r.body.errors?.[0]?.extensions?.code, typeof r.body.errors?.[0]?.message]).toEqual([status, code, "string"]);
    }
    expect(await offersOf(w.sellerId)).toEqual([]);
  });

  it("shows an import to its seller and the admin only, and an unknown one as null", async () => {
    const w = await world();
    const other = await world();
    const posted = await postImport(og.origin, w.seller.apiKey, { marketplaceId: w.marketplaceId }, `gtin,price,currency\n${w.products[0]!.gtin},1,BRL\n`);
    await waitForImport(w.seller.client, posted.body.id);
    expect((await og.admin.data(OfferImportDocument, { id: posted.body.id })).offerImport!.id).toBe(posted.body.id);
    expect(errorCodes(await other.seller.client.execute(OfferImportDocument, { id: posted.body.id }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await og.anonymous.execute(OfferImportDocument, { id: posted.body.id }))).toEqual(["UNAUTHENTICATED"]);
    expect((await og.admin.data(OfferImportDocument, { id: "imp_000000000000000000000000" })).offerImport).toBeNull();
    const csv = (key: string | undefined, id = posted.body.id) =>
      fetch(`${og.origin}/imports/offers/${id}/errors.csv`, { headers: key ? { authorization: `Bearer ${key}` } : {} }).then((r) => r.status);
    expect(await csv(undefined)).toBe(401);
    expect(await csv(other.seller.apiKey)).toBe(403);
    expect(await csv(og.adminApiKey)).toBe(200);
    expect(await csv(og.adminApiKey, "imp_000000000000000000000000")).toBe(404);
  });

  it("streams its progress over graphql-ws until DONE, and counts its lines on /metrics", async () => {
    const w = await world();
    // 300 lines, one per product: three chunks to move through.
    const products = [...w.products];
    while (products.length < 300) products.push(await createProduct(og.admin));
    const lines = products.map((p, i) => `${p.gtin},${i},BRL,${i % 5}`);
    const posted = await postImport(og.origin, w.seller.apiKey, { marketplaceId: w.marketplaceId }, `gtin,price,currency,quantity\n${lines.join("\n")}\n`);
    expect(posted.status).toBe(202);
    const sub = subscribe(og.url, w.seller.apiKey, OfferImportProgressDocument, { id: posted.body.id });
    await sub.waitForEnd(120_000);
    expect(sub.errors).toEqual([]);
    expect(sub.ended()).toBe("complete");
    const updates = sub.events;
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.at(-1)).toMatchObject({ status: "DONE", total: 300, processed: 300, succeeded: 300, failed: 0 });
    const processed = updates.map((u) => u.processed);
    expect([...processed].sort((a, b) => a - b)).toEqual(processed);
    const count = async (filter: string) =>
      (await og.admin.post({ query: `{ offers(filter: { sellerId: "${w.sellerId}" ${filter} }) { totalCount } }` })).data.offers.totalCount;
    expect(await count("")).toBe(300);
    expect(await count("available: true")).toBe(240); // quantity 0 on every fifth line
    const metrics = (await httpGet(`${og.origin}/metrics`)).body;
    expect(metrics).toMatch(/^offergate_import_lines_total\{outcome="succeeded"\} \d+/m);
    expect(metrics).toMatch(/^offergate_import_duration_seconds_count\{status="DONE"\} \d+/m);
  }, 180_000);
});
