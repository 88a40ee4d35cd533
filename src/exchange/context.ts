import type { Principal } from "../shared/principal";
import type { AffiliationService } from "./affiliation/affiliation.service";
import type { FeedService } from "./feed/feed.service";
import type { ImportService } from "./import/import.service";
import { createExchangeLoaders, type ExchangeLoaders } from "./loaders";
import type { MarketplaceService } from "./marketplace/marketplace.service";
import type { OfferBulk } from "./offer/offer.bulk";
import type { OfferUpdates } from "./offer/offer-updates";
import type { OfferService } from "./offer/offer.service";
import type { RouteService } from "./route/route.service";
import type { StockBulk } from "./stock/stock.bulk";
import type { StockService } from "./stock/stock.service";
import type { WebhookService } from "./webhook/webhook.service";

export interface ExchangeServices {
  offers: OfferService;
  stock: StockService;
  routes: RouteService;
  marketplaces: MarketplaceService;
  affiliations: AffiliationService;
  feed: FeedService;
  webhooks: WebhookService;
  offerBulk: OfferBulk;
  stockBulk: StockBulk;
  imports: ImportService;
  offerUpdates: OfferUpdates;
}

export interface ExchangeContext {
  principal: Principal | null;
  services: ExchangeServices;
  /** This request's loaders, made when first used. */
  readonly loaders: ExchangeLoaders;
  /** Drops them: the next use makes a fresh set (each event of a subscription is a request of its own). */
  renewLoaders(): void;
}

export const createExchangeContext = (services: ExchangeServices, principal: Principal | null): ExchangeContext => {
  let loaders: ExchangeLoaders | undefined;
  return {
    principal,
    services,
    get loaders() {
      return (loaders ??= createExchangeLoaders(services));
    },
    renewLoaders() {
      loaders = undefined;
    },
  };
};
