import type { OfferRecord } from "./offer.model";

/** An offer as the API reads it: the stored record without its internals. */
export type OfferView = Omit<OfferRecord, "_id" | "key" | "rev" | "eventCount" | "outbox" | "flushedThrough" | "hasPending" | "writeToken" | "settleAt"
> & { id: string };

export const toOfferView = (r: OfferRecord): OfferView => ({
  id: r._id,
  sellerId: r.sellerId,
  marketplaceId: r.marketplaceId,
  productId: r.productId,
  sourceId: r.sourceId,
  viaId: r.viaId,
  path: r.path,
  depth: r.depth,
  price: r.price,
  currency: r.currency,
  status: r.status,
  available: r.available,
  quantity: r.quantity,
  unavailableReason: r.unavailableReason,
  version: r.version,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});
