/**
 * Partner (a seller): submits its catalog as offers on its marketplaces, then
 * keeps offergate's stock equal to its own: each time the catalog file
 * changes, the prices and quantities that changed are sent.
 *
 *   OFFERGATE_API_KEY=<seller key> npm run example:partner-sync -- catalog.json [--once]
 *
 * catalog.json: { "marketplaceIds": ["mkt_..."], "items": [{ "gtin": "4006381333931", "price": 1999, "currency": "BRL", "quantity": 5 }] }
 */
import { readFile } from "node:fs/promises";
import { watchFile } from "node:fs";
import { OffergateClient, ProductByGtinDocument, SetStockDocument, StockLevelDocument, SubmitOfferDocument, ViewerDocument } from "@offergate/client";
import { OFFERGATE_URL, required, run } from "./env";

interface Catalog {
  marketplaceIds: string[];
  items: { gtin: string; price: number; currency: string; quantity: number }[];
}

run(async () => {
  const [file, ...flags] = process.argv.slice(2);
  if (!file) throw new Error("usage: partner-sync <catalog.json> [--once]");
  const client = new OffergateClient({ url: OFFERGATE_URL, apiKey: required("OFFERGATE_API_KEY") });
  const viewer = (await client.request(ViewerDocument)).viewer;
  if (viewer?.kind !== "SELLER" || !viewer.id) throw new Error("OFFERGATE_API_KEY must be a seller's key");
  const sellerId = viewer.id;

  const productIds = new Map<string, string>();
  const productId = async (gtin: string) => {
    if (!productIds.has(gtin)) {
      const product = (await client.request(ProductByGtinDocument, { gtin })).product;
      if (!product) throw new Error(`GTIN ${gtin} is not in offergate's catalog (an admin creates products)`);
      productIds.set(gtin, product.id);
    }
    return productIds.get(gtin)!;
  };

  const sent = new Map<string, string>(); // what was last sent, per offer and per stock level
  const sync = async () => {
    const catalog = JSON.parse(await readFile(file, "utf8")) as Catalog;
    for (const item of catalog.items) {
      const id = await productId(item.gtin);
      for (const marketplaceId of catalog.marketplaceIds) {
        const key = `offer ${marketplaceId} ${id}`;
        const value = `${item.price} ${item.currency}`;
        if (sent.get(key) === value) continue;
        // submitOffer creates the offer or updates its price; the same values again change nothing.
        const offer = (await client.request(SubmitOfferDocument, { input: { sellerId, marketplaceId, productId: id, price: item.price, currency: item.currency } }))
          .submitOffer;
        console.log(`offer ${offer.id} (${item.gtin} at ${marketplaceId}): ${offer.status}, ${offer.available ? `available, ${offer.quantity}` : offer.unavailableReason}`);
        sent.set(key, value);
      }
      const key = `stock ${id}`;
      if (sent.get(key) === String(item.quantity)) continue;
      const level = (await client.request(StockLevelDocument, { ownerId: sellerId, productId: id })).stockLevel;
      if (level?.quantity !== item.quantity) {
        // Compare-and-set on the version read: another writer in between is VERSION_CONFLICT, and the next pass retries.
        await client.request(SetStockDocument, { input: { ownerId: sellerId, productId: id, quantity: item.quantity, expectedVersion: level?.version ?? 0 } });
        console.log(`stock ${item.gtin}: ${level?.quantity ?? 0} -> ${item.quantity}`);
      }
      sent.set(key, String(item.quantity));
    }
  };

  await sync();
  if (flags.includes("--once")) return;
  console.log(`in sync; watching ${file}`);
  let queue = Promise.resolve();
  watchFile(file, { interval: 500 }, () => {
    queue = queue.then(sync).catch((error: unknown) => console.error(`sync failed: ${(error as Error).message}`));
  });
});
