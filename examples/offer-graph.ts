/**
 * Frontend: one product's offer graph, as a page would show it: every offer,
 * from the seller's own through each marketplace it was forwarded to.
 *
 *   npm run example:offer-graph -- <GTIN or product id>
 */
import { OfferGraphDocument, OffergateClient, ProductByGtinDocument, type OfferGraphQuery } from "@offergate/client";
import { OFFERGATE_API_KEY, OFFERGATE_URL, run } from "./env";

type OfferNode = NonNullable<OfferGraphQuery["product"]>["offers"]["edges"][number]["node"];

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;
const state = (o: OfferNode) => (o.available ? `available, ${o.quantity}` : `unavailable (${o.unavailableReason})`);

run(async () => {
  const wanted = process.argv[2];
  if (!wanted) throw new Error("usage: offer-graph <GTIN or product id>");
  const client = new OffergateClient({ url: OFFERGATE_URL, apiKey: OFFERGATE_API_KEY });
  const productId = /^\d{8,14}$/.test(wanted) ? (await client.request(ProductByGtinDocument, { gtin: wanted })).product?.id : wanted;
  if (!productId) throw new Error(`no product with GTIN ${wanted}`);

  // Every offer of the product, page by page (100 a page).
  const offers: OfferNode[] = [];
  let product: NonNullable<OfferGraphQuery["product"]> | null = null;
  for (let after: string | null = null; ; ) {
    const page: OfferGraphQuery = await client.request(OfferGraphDocument, { productId, first: 100, after });
    product = page.product;
    if (!product) throw new Error(`no product ${productId}`);
    offers.push(...product.offers.edges.map((e) => e.node));
    if (!product.offers.pageInfo.hasNextPage) break;
    after = product.offers.pageInfo.endCursor;
  }

  console.log(`${product.name} (GTIN ${product.gtin}): ${offers.length} offers`);
  const bySource = new Map<string | null, OfferNode[]>();
  for (const o of offers) bySource.set(o.source?.id ?? null, [...(bySource.get(o.source?.id ?? null) ?? []), o]);
  const print = (parent: string | null, indent: string) => {
    for (const o of bySource.get(parent) ?? []) {
      const where = o.via ? `${o.marketplace.name} (forwarded by ${o.via.name})` : `${o.seller.name} → ${o.marketplace.name}`;
      console.log(`${indent}${where}: ${money(o.price, o.currency)}, ${o.status}, ${state(o)} [${o.id}]`);
      print(o.id, `${indent}    `);
    }
  };
  print(null, "  ");
});
