/** The offer graph of one product, as the explorer reads it from the API and keeps it live. */

export interface MarketplaceInfo {
  id: string;
  name: string;
  requireStockToForward: boolean;
}

export interface ExplorerOffer {
  id: string;
  depth: number;
  path: string[];
  status: "PENDING" | "ACTIVE" | "DENIED" | "WITHDRAWN";
  available: boolean;
  quantity: number;
  price: number;
  currency: string;
  unavailableReason: string | null;
  version: number;
  updatedAt: string;
  seller: { id: string; name: string };
  marketplace: MarketplaceInfo;
  via: MarketplaceInfo | null;
  source: { id: string } | null;
}

export interface ProductSummary {
  id: string;
  gtin: string;
  name: string;
}

export const OFFER_FIELDS = `
  fragment ExplorerOffer on Offer {
    id depth path status available quantity price currency unavailableReason version updatedAt
    seller { id name }
    marketplace { id name requireStockToForward }
    via { id name requireStockToForward }
    source { id }
  }`;

export const PRODUCT_QUERY = `
  query ExplorerProduct($id: ID!, $after: String) {
    product(id: $id) {
      id gtin name
      offers(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { ...ExplorerOffer } }
      }
    }
  }
  ${OFFER_FIELDS}`;

export const SEARCH_QUERY = `
  query ExplorerSearch($search: String, $first: Int) {
    products(search: $search, first: $first) {
      totalCount
      edges { node { id gtin name } }
    }
  }`;

export const UPDATES_SUBSCRIPTION = `
  subscription ExplorerUpdates($productId: ID!) {
    offerUpdates(productId: $productId) { ...ExplorerOffer }
  }
  ${OFFER_FIELDS}`;

/** Offers by id, each replaced only by a newer version of itself (updates and re-reads may cross). */
export function mergeOffers(current: ReadonlyMap<string, ExplorerOffer>, incoming: readonly ExplorerOffer[]): Map<string, ExplorerOffer> {
  const next = new Map(current);
  for (const offer of incoming) {
    const known = next.get(offer.id);
    if (!known || offer.version > known.version) next.set(offer.id, offer);
  }
  return next;
}

export type GateState = "open" | "closed" | "off" | "unknown";

/**
 * The stock gate of the marketplace that forwarded this offer, as far as
 * public data tells: off when it does not require stock; closed when the
 * offer is out for its forwarder's stock while its source is available;
 * open when the offer is available; otherwise not known from outside.
 */
export function forwarderGate(offer: ExplorerOffer, offers: ReadonlyMap<string, ExplorerOffer>): GateState | null {
  if (!offer.via) return null;
  if (!offer.via.requireStockToForward) return "off";
  const source = offer.source ? offers.get(offer.source.id) : undefined;
  if (offer.unavailableReason === "FORWARDER_OUT_OF_STOCK" && source?.available) return "closed";
  if (offer.available) return "open";
  return "unknown";
}

export function formatPrice(offer: Pick<ExplorerOffer, "price" | "currency">): string {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: offer.currency }).format(offer.price / 100);
  } catch {
    return `${(offer.price / 100).toFixed(2)} ${offer.currency}`;
  }
}

export const reasonText = (reason: string | null): string => (reason ? reason.toLowerCase().replaceAll("_", " ") : "");

/** Sellers first, then offers by depth (hops from the seller), then by marketplace name: the list's reading order. */
export function orderedOffers(offers: ReadonlyMap<string, ExplorerOffer>): ExplorerOffer[] {
  return [...offers.values()].sort(
    (a, b) => a.seller.name.localeCompare(b.seller.name) || a.depth - b.depth || a.marketplace.name.localeCompare(b.marketplace.name) || a.id.localeCompare(b.id),
  );
}
