import type { AffiliationService } from "./affiliation/affiliation.service";
import type { FeedService } from "./feed/feed.service";
import type { ImportService } from "./import/import.service";
import type { MarketplaceService } from "./marketplace/marketplace.service";
import type { OfferBulk } from "./offer/offer.bulk";
import type { OfferUpdates } from "./offer/offer-updates";
import type { OfferService } from "./offer/offer.service";
import type { RouteService } from "./route/route.service";
import type { StockBulk } from "./stock/stock.bulk";
import type { StockService } from "./stock/stock.service";
import type { WebhookService } from "./webhook/webhook.service";

/** The exchange's services, made once per process and shared by every request's context and loaders. */
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
