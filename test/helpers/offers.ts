import { directOfferKey, draftOffer, type OfferRecord } from "../../src/exchange/offer/offer.model";
import { newId } from "../../src/shared/ids";

/** A direct offer as submitOffer drafts it (ACTIVE, in BRL), before the rules derive its state. */
export function draftDirectOffer(fields: { sellerId: string; marketplaceId: string; productId: string; price: number }): OfferRecord {
  const { sellerId, marketplaceId, productId, price } = fields;
  return draftOffer(newId("offer"), {
    key: directOfferKey(sellerId, marketplaceId, productId),
    sellerId,
    marketplaceId,
    productId,
    sourceId: null,
    viaId: null,
    path: [sellerId, marketplaceId],
    depth: 0,
    price,
    currency: "BRL",
    status: "ACTIVE",
  });
}
