import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importOffersCsv, OffergateError, type OfferImportState } from "@offergate/client";
import { createMarketplace, createProduct, createSeller, uniqueGtin } from "../../../test/fixtures";
import { startTestOffergate, type TestOffergate } from "../../../test/helpers/offergate";

let og: TestOffergate;
let dir: string;
beforeAll(async () => {
  // Small chunks, to see an import move.
  og = await startTestOffergate({ IMPORT_CHUNK_LINES: "50" });
  dir = await mkdtemp(join(tmpdir(), "offergate-import-"));
});
afterAll(async () => {
  await og.close();
  await rm(dir, { recursive: true, force: true });
});

async function world(products = 3) {
  const seller = await createSeller(og.admin);
  const market = await createMarketplace(og.admin);
  await og.admin.post({ query: `mutation { affiliateSeller(sellerId: "${seller.seller.id}", marketplaceId: "${market.marketplace.id}") { createdAt } }` });
  const list = [];
  for (let i = 0; i < products; i++) list.push(await createProduct(og.admin));
  return { seller, market, sellerId: seller.seller.id, marketplaceId: market.marketplace.id, products: list };
}

const offersOf = async (sellerId: string) =>
  (await og.admin.post({ query: `{ offers(filter: { sellerId: "${sellerId}" }, first: 100) { totalCount edges { node { price quantity product { id } } } } }` })).data
    .offers;

describe("importOffersCsv against the running service", () => {
  it.each(["subscription", "polling"] as const)("uploads, reports progress by %s to DONE, and returns every failed line", async (follow) => {
    const w = await world(120);
    const lines = w.products.map((p, i) => `${p.gtin},${1000 + i},BRL,${(i % 5) + 1}`);
    lines.splice(10, 0, `${uniqueGtin()},100,BRL,1`); // line 12: unknown GTIN
    lines.splice(20, 0, `${w.products[0]!.gtin},-1,BRL,1`); // line 22: bad price
    const states: OfferImportState[] = [];
    const result = await importOffersCsv({
      url: og.url,
      apiKey: w.seller.apiKey,
      marketplaceId: w.marketplaceId,
      csv: ["gtin,price,currency,quantity", ...lines].join("\n"),
      onProgress: (s) => states.push(s),
      follow,
      pollIntervalMs: 100,
    });
    expect(result.import).toMatchObject({ status: "DONE", total: 122, processed: 122, succeeded: 120, failed: 2 });
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([
      [12, "NOT_FOUND"],
      [22, "BAD_USER_INPUT"],
    ]);
    // Progress as it moved: never backwards, ending DONE.
    expect(states.at(-1)).toEqual(result.import);
    for (let i = 1; i < states.length; i++) expect(states[i]!.processed).toBeGreaterThanOrEqual(states[i - 1]!.processed);
    const offers = await offersOf(w.sellerId);
    expect(offers.totalCount).toBe(120);
  }, 180_000);

  it("streams a file from disk", async () => {
    const w = await world(2);
    const file = join(dir, "catalog.csv");
    await writeFile(file, `quantity,gtin,currency,price\n4,${w.products[0]!.gtin},BRL,990\n0,${w.products[1]!.gtin},BRL,1290\n`);
    const result = await importOffersCsv({ url: og.url, apiKey: w.seller.apiKey, marketplaceId: w.marketplaceId, csv: createReadStream(file) });
    expect(result.import).toMatchObject({ status: "DONE", total: 2, succeeded: 2, failed: 0 });
    expect(result.errors).toEqual([]);
    const offers = await offersOf(w.sellerId);
    // By product, not by the connection's order.
    const byProduct = new Map(offers.edges.map((e: { node: { price: number; quantity: number; product: { id: string } } }) => [e.node.product.id, [e.node.price, e.node.quantity]]));
    expect([byProduct.get(w.products[0]!.id), byProduct.get(w.products[1]!.id)]).toEqual([
      [990, 4],
      [1290, 0],
    ]);
  });

  it("throws the service's refusal with its code and status, and starts nothing", async () => {
    const w = await world(1);
    const attempt = (options: { apiKey?: string; marketplaceId?: string; csv?: string }) =>
      importOffersCsv({ url: og.url, apiKey: w.seller.apiKey, marketplaceId: w.marketplaceId, csv: `gtin,price,currency\n${w.products[0]!.gtin},1,BRL\n`, ...options } as never).catch(
        (error: unknown) => error as OffergateError,
      );
    const refused = async (options: Parameters<typeof attempt>[0]) => {
      const error = await attempt(options);
      expect(error).toBeInstanceOf(OffergateError);
      return [(error as OffergateError).status, (error as OffergateError).code];
    };
    expect(await refused({ apiKey: "og_not_a_key" })).toEqual([401, "UNAUTHENTICATED"]);
    expect(await refused({ marketplaceId: "mkt_000000000000000000000000" })).toEqual([404, "NOT_FOUND"]);
    expect(await refused({ csv: "gtin,price,colour\n1,2,3\n" })).toEqual([400, "BAD_USER_INPUT"]);
    expect(await refused({ apiKey: w.market.apiKey })).toEqual([403, "FORBIDDEN"]);
    const stranger = await createMarketplace(og.admin);
    expect(await refused({ marketplaceId: stranger.marketplace.id })).toEqual([409, "NOT_AFFILIATED"]);
    expect((await offersOf(w.sellerId)).totalCount).toBe(0);
  });
});
