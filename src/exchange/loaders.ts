import DataLoader from "dataloader";
import { byIdLoader } from "../shared/loaders";
import type { Affiliation } from "./affiliation/affiliation.repository";
import type { ExchangeServices } from "./services";
import type { MarketplaceSettings } from "./marketplace/settings.repository";
import type { OfferView } from "./offer/offer.view";
import type { Route } from "./route/route.repository";

/** A per-request loader of lists: one `$in` query for all keys, grouped back per key. */
function groupLoader<T>(fetch: (keys: readonly string[]) => Promise<T[]>, keyOf: (row: T) => string) {
  return new DataLoader<string, T[]>(async (keys) => {
    const rows = await fetch(keys);
    const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const row of rows) groups.get(keyOf(row))?.push(row);
    return keys.map((k) => groups.get(k)!);
  });
}

/** Per-request loaders of the exchange subgraph: every relation an offer graph walks is batched. */
export const createExchangeLoaders = (services: ExchangeServices) => ({
  offerById: byIdLoader((ids) => services.offers.findByIds(ids)),
  forwardsBySourceId: groupLoader<OfferView>((ids) => services.offers.forwardsOf(ids), (o) => o.sourceId!),
  settingsByMarketplaceId: new DataLoader<string, MarketplaceSettings>(async (ids) => {
    const map = await services.marketplaces.getMany(ids);
    return ids.map((id) => map.get(id)!);
  }),
  affiliationsBySellerId: groupLoader<Affiliation>((ids) => services.affiliations.bySellers(ids), (a) => a.sellerId),
  affiliationsByMarketplaceId: groupLoader<Affiliation>(
    (ids) => services.affiliations.byMarketplaces(ids),
    (a) => a.marketplaceId,
  ),
  routesFrom: groupLoader<Route>((ids) => services.routes.listFrom(ids), (r) => r.fromId),
  routesTo: groupLoader<Route>((ids) => services.routes.listTo(ids), (r) => r.toId),
});

export type ExchangeLoaders = ReturnType<typeof createExchangeLoaders>;
