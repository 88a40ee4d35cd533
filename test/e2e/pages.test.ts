import { existsSync } from "node:fs";
import { DEFAULT_PAGES_DIR } from "../../src/gateway/pages";
import { loadConfig } from "../../src/shared/config";
import { ProductsDocument } from "../generated/graphql";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/** What a browser sends when it opens a page. */
const html = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, signal: AbortSignal.timeout(10_000) });

describe("the pages over HTTP", () => {
  beforeAll(() => {
    if (!existsSync(`${DEFAULT_PAGES_DIR}/ide.html`)) throw new Error("the pages are not built: npm run build");
  });

  describe("on (the default outside production)", () => {
    let og: TestOffergate;
    beforeAll(async () => {
      og = await startTestOffergate();
    });
    afterAll(() => og.close());

    it("serves the explorer at / and the IDE at /graphql to browsers, their assets hashed and immutable, from this origin only", async () => {
      for (const [path, title] of [
        ["/?productId=prd_x", "offer explorer"],
        ["/graphql", "GraphQL IDE"],
      ] as const) {
        const page = await get(`${og.origin}${path}`, html);
        expect(page.status).toBe(200);
        expect(page.headers.get("content-type")).toMatch(/^text\/html/);
        expect(page.headers.get("cache-control")).toBe("no-cache");
        expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
        const body = await page.text();
        expect(body).toContain(title);
        const assets = [...body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
        expect(assets.length).toBeGreaterThan(0);
        expect(body).not.toMatch(/(?:src|href)="(?:https?:)?\/\//); // nothing from elsewhere
        for (const asset of assets) {
          expect(asset).toMatch(/-[A-Z0-9]{8}\.(js|css)$/);
          const response = await get(`${og.origin}${asset}`, { "accept-encoding": "gzip" });
          expect([asset, response.status]).toEqual([asset, 200]);
          expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
          expect(response.headers.get("content-type")).toMatch(asset.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
          expect(await response.text()).not.toMatch(/\bhttps?:\/\/(fonts\.googleapis|cdn\.|unpkg|jsdelivr)/);
        }
      }
      expect((await get(`${og.origin}/assets/nope-AAAAAAAA.js`)).status).toBe(404);
      expect((await get(`${og.origin}/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    });

    it("leaves GraphQL alone: GET with a query, POST, and clients that do not ask for HTML", async () => {
      const byGet = await get(`${og.url}?query=${encodeURIComponent("{ products(first: 1) { totalCount } }")}`, html);
      expect(byGet.status).toBe(200);
      expect(((await byGet.json()) as { data: { products: { totalCount: number } } }).data.products.totalCount).toBeGreaterThanOrEqual(0);
      const noHtml = await get(og.url, { accept: "application/json" });
      expect(noHtml.headers.get("content-type")).not.toMatch(/^text\/html/);
      const posted = await og.anonymous.data(ProductsDocument, { first: 1 });
      expect(posted.products.totalCount).toBeGreaterThanOrEqual(0);
    });
  });

  describe("IDE=false and EXPLORER=false", () => {
    let og: TestOffergate;
    beforeAll(async () => {
      og = await startTestOffergate({ IDE: "false", EXPLORER: "false" });
    });
    afterAll(() => og.close());

    it("answer 404, assets included, while GraphQL works", async () => {
      expect((await get(`${og.origin}/`, html)).status).toBe(404);
      expect((await get(og.url, html)).status).toBe(404);
      const page = await get(`${og.origin}/`, html);
      expect(await page.text()).not.toContain("<html");
      expect((await og.anonymous.post({ query: "{ products(first: 1) { totalCount } }" })).status).toBe(200);
    });
  });

  it("are off by default in production", () => {
    const production = { NODE_ENV: "production", ADMIN_API_KEY: "x".repeat(32), INTERNAL_SECRET: "y".repeat(40), MONGODB_URI: "mongodb://127.0.0.1:1/x" };
    expect(loadConfig(production).pages).toEqual({ ide: false, explorer: false });
    expect(loadConfig({ ...production, IDE: "true" }).pages).toEqual({ ide: true, explorer: false });
    expect(loadConfig({}).pages).toEqual({ ide: true, explorer: true });
  });
});
