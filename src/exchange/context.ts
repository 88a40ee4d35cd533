import type { Principal } from "../shared/principal";
import type { AffiliationService } from "./affiliation/affiliation.service";
import type { FeedService } from "./feed/feed.service";
import { createExchangeLoaders, type ExchangeLoaders } from "./loaders";
import type { MarketplaceService } from "./marketplace/marketplace.service";
import type { OfferService } from "./offer/offer.service";
import type { RouteService } from "./route/route.service";
import type { StockService } from "./stock/stock.service";

export interface ExchangeServices {
  offers: OfferService;
  stock: StockService;
  routes: RouteService;
  marketplaces: MarketplaceService;
  affiliations: AffiliationService;
  feed: FeedService;
}

export interface ExchangeContext {
  principal: Principal | null;
  services: ExchangeServices;
  loaders: ExchangeLoaders;
}

export const createExchangeContext = (services: ExchangeServices, principal: Principal | null): ExchangeContext => ({
  principal,
  services,
  loaders: createExchangeLoaders(services),
});
