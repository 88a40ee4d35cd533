import { randomBytes } from "node:crypto";
import { copySellers } from "./amplify";
import { gql, pool } from "./client";

/** A valid GTIN-13: twelve digits and the GS1 check digit. */
export function gtin13(n: number): string {
  const body = String(200_000_000_000 + n).padStart(12, "0");
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[11 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

const run = randomBytes(3).toString("hex");
let gtins = Math.floor(Math.random() * 1e9);

/** Admin-side building blocks, all through the public API of the gateway at `url`. */
export class Admin {
  constructor(
    readonly url: string,
    readonly key: string,
    readonly concurrency = 8,
  ) {}

  gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return gql<T>(this.url, query, variables, this.key);
  }

  async products(n: number): Promise<string[]> {
    return pool(Array.from({ length: n }), this.concurrency, async (_, i) => {
      const r = await this.gql(`mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }`, {
        i: { gtin: gtin13(++gtins), name: `Bench product ${run}-${i}` },
      });
      return r.createProduct.id as string;
    });
  }

  async marketplaces(n: number): Promise<{ id: string; apiKey: string }[]> {
    return pool(Array.from({ length: n }), this.concurrency, async (_, i) => {
      const r = await this.gql(`mutation($i: CreateMarketplaceInput!) { createMarketplace(input: $i) { marketplace { id } apiKey } }`, {
        i: { name: `Bench market ${run}-${i}` },
      });
      return { id: r.createMarketplace.marketplace.id as string, apiKey: r.createMarketplace.apiKey as string };
    });
  }

  async sellers(n: number): Promise<{ id: string; apiKey: string }[]> {
    return pool(Array.from({ length: n }), this.concurrency, async (_, i) => {
      const r = await this.gql(`mutation($i: CreateSellerInput!) { createSeller(input: $i) { seller { id } apiKey } }`, {
        i: { name: `Bench seller ${run}-${i}` },
      });
      return { id: r.createSeller.seller.id as string, apiKey: r.createSeller.apiKey as string };
    });
  }

  async affiliate(pairs: [seller: string, marketplace: string][]): Promise<void> {
    await pool(pairs, this.concurrency, ([sellerId, marketplaceId]) =>
      this.gql(`mutation($s: ID!, $m: ID!) { affiliateSeller(sellerId: $s, marketplaceId: $m) { createdAt } }`, { s: sellerId, m: marketplaceId }),
    );
  }

  async routes(pairs: [from: string, to: string][], autoForward: boolean): Promise<void> {
    await pool(pairs, this.concurrency, ([from, to]) =>
      this.gql(`mutation($i: OpenRouteInput!) { openRoute(input: $i) { active } }`, {
        i: { fromMarketplaceId: from, toMarketplaceId: to, autoForward },
      }),
    );
  }

  async stock(levels: [owner: string, product: string, quantity: number][]): Promise<void> {
    await pool(levels, this.concurrency, ([ownerId, productId, quantity]) =>
      this.gql(`mutation($i: SetStockInput!) { setStock(input: $i) { version } }`, { i: { ownerId, productId, quantity } }),
    );
  }

  /** Submits offers; returns their ids in order. */
  async submit(offers: [seller: string, marketplace: string, product: string][], concurrency = this.concurrency): Promise<string[]> {
    return pool(offers, concurrency, async ([sellerId, marketplaceId, productId], i) => {
      const r = await this.gql(`mutation($i: SubmitOfferInput!) { submitOffer(input: $i) { id } }`, {
        i: { sellerId, marketplaceId, productId, price: 1000 + (i % 997), currency: "BRL" },
      });
      return r.submitOffer.id as string;
    });
  }

  /** Every offer id listed at a marketplace, page by page. */
  async offerIdsAt(marketplaceId: string): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await this.gql(
        `query($m: ID!, $after: String) { offers(filter: { marketplaceId: $m }, first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { m: marketplaceId, after },
      );
      ids.push(...r.offers.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!r.offers.pageInfo.hasNextPage) return ids;
      after = r.offers.pageInfo.endCursor;
    }
  }
}

export interface OfferGraphWorld {
  products: string[];
  chains: { a: string; b: string; c: string }[];
  sellers: string[];
  /** Every offer: direct ones at the A's, forwarded ones at the B's and C's. */
  offerIds: string[];
}

export interface OfferGraphSize {
  products: number;
  chains: number;
  /** Sellers seeded through the API. */
  sellers: number;
  /** Copies of each of them made in the database (see ./amplify.ts). */
  copies: number;
}

/**
 * The offer graph to query: `chains` chains of three marketplaces A → B → C
 * joined by auto-forward routes, A and B stocked with every product (the
 * gate open), and sellers each listing every product at one A, so that each
 * direct offer is forwarded on to B and C: sellers × (copies + 1) × products
 * × 3 offers in all. A quarter of the sellers hold stock, so the graph has
 * available and unavailable offers.
 */
export async function buildOfferGraph(admin: Admin, mongoUri: string, size: OfferGraphSize): Promise<OfferGraphWorld> {
  const products = await admin.products(size.products);
  const markets = await admin.marketplaces(size.chains * 3);
  const chains = Array.from({ length: size.chains }, (_, i) => ({ a: markets[3 * i]!.id, b: markets[3 * i + 1]!.id, c: markets[3 * i + 2]!.id }));
  await admin.routes(chains.flatMap((c) => [[c.a, c.b], [c.b, c.c]] as [string, string][]), true);
  await admin.stock(chains.flatMap((c) => products.flatMap((p) => [[c.a, p, 50], [c.b, p, 50]] as [string, string, number][])));
  const sellers = (await admin.sellers(size.sellers)).map((s) => s.id);
  await admin.affiliate(sellers.map((s, i) => [s, chains[i % chains.length]!.a]));
  await admin.stock(sellers.filter((_, i) => i % 4 === 0).flatMap((s) => products.map((p) => [s, p, 5] as [string, string, number])));
  await admin.submit(sellers.flatMap((s, i) => products.map((p) => [s, chains[i % chains.length]!.a, p] as [string, string, string])));
  if (size.copies > 0) sellers.push(...(await copySellers(mongoUri, sellers, size.copies)).sellers);
  const offerIds: string[] = [];
  for (const c of chains) for (const m of [c.a, c.b, c.c]) offerIds.push(...(await admin.offerIdsAt(m)));
  return { products, chains, sellers, offerIds };
}
