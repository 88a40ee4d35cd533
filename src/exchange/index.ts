import type { Connection } from "mongoose";
import type { EventBus } from "../shared/bus";
import { logger } from "../shared/logger";
import type { FeedLayoutConfig } from "../shared/config";
import { ensureIndexes, pingMongo } from "../shared/mongo";
import type { Principal } from "../shared/principal";
import type { SubgraphServerOptions } from "../shared/subgraph-server";
import { affiliationModel } from "./affiliation/affiliation.model";
import { AffiliationRepository } from "./affiliation/affiliation.repository";
import { AffiliationService } from "./affiliation/affiliation.service";
import { createExchangeContext, type ExchangeContext } from "./context";
import { EntityDirectory } from "./directory/entity-directory";
import { feedPartitions } from "./feed/feed.layout";
import { feedEventModels } from "./feed/feed.model";
import { FeedRepository } from "./feed/feed.repository";
import { FeedService } from "./feed/feed.service";
import { MarketplaceService } from "./marketplace/marketplace.service";
import { settingsModel } from "./marketplace/settings.model";
import { SettingsRepository } from "./marketplace/settings.repository";
import { ForwardingService } from "./offer/forwarding.service";
import { offerModel } from "./offer/offer.model";
import { OfferUpdates } from "./offer/offer-updates";
import { OfferPropagation } from "./offer/offer.propagation";
import { OfferReconciler } from "./offer/offer.reconciler";
import { OfferSweeper } from "./offer/offer.sweep";
import { OfferRepository } from "./offer/offer.repository";
import { OfferBulk } from "./offer/offer.bulk";
import { OfferService } from "./offer/offer.service";
import { routeModel } from "./route/route.model";
import { RouteRepository } from "./route/route.repository";
import { RouteService } from "./route/route.service";
import { importChunkModel, offerImportModel } from "./import/import.model";
import { importRoutes } from "./import/import.http";
import { ImportRepository } from "./import/import.repository";
import { ImportRunner } from "./import/import.runner";
import { ImportService, type ImportLimits } from "./import/import.service";
import { buildExchangeSchema } from "./schema";
import type { ExchangeServices } from "./services";
import { stockModel } from "./stock/stock.model";
import { StockRepository } from "./stock/stock.repository";
import { StockBulk } from "./stock/stock.bulk";
import { StockService } from "./stock/stock.service";
import { DEFAULT_WEBHOOK_OPTIONS, WebhookDeliverer, type WebhookDeliveryOptions } from "./webhook/webhook.deliverer";
import { webhookCountModel, webhookModel } from "./webhook/webhook.model";
import { WebhookRepository } from "./webhook/webhook.repository";
import { WebhookService } from "./webhook/webhook.service";

export interface ExchangeDeps {
  connection: Connection;
  bus: EventBus;
  internalSecret: string;
  maxForwardDepth: number;
  feedSweepIntervalMs: number;
  /** How often a feed with subscribers is read when no ring came (default 2 s). */
  feedPollMs?: number;
  /** How the feed log is laid out on a new database (FEED_PARTITIONS, or the default config.ts picks; see feed.layout.ts). */
  feedLayout: FeedLayoutConfig;
  /** CSV imports: limits, and how the background runner holds and polls for imports (see ImportRunner). */
  imports?: Partial<ImportLimits & { leaseMs: number; pollMs: number; progressMs: number }>;
  /** Where the owners of sellers, marketplaces (accounts) and products (catalog) answer `_entities`. */
  accountsUrl: () => string;
  catalogUrl: () => string;
  /** Webhook delivery settings (WEBHOOK_*); unset ones take their defaults. */
  webhooks?: Partial<WebhookDeliveryOptions>;
}

/** Wires the exchange subgraph: models and indexes, repositories, the rules' services, the feed and the schema. */
export async function createExchangeSubgraph(
  deps: ExchangeDeps,
): Promise<SubgraphServerOptions<ExchangeContext> & { services: ExchangeServices; stop(): Promise<void> }> {
  const models = {
    offers: offerModel(deps.connection),
    stock: stockModel(deps.connection),
    routes: routeModel(deps.connection),
    settings: settingsModel(deps.connection),
    affiliations: affiliationModel(deps.connection),
    webhooks: webhookModel(deps.connection),
    webhookCounts: webhookCountModel(deps.connection),
    imports: offerImportModel(deps.connection),
    importChunks: importChunkModel(deps.connection),
  };
  const feedModels = feedEventModels(deps.connection, await feedPartitions(deps.connection, deps.feedLayout));
  await ensureIndexes([...Object.values(models), ...feedModels]);

  const stock = new StockRepository(models.stock);
  const routes = new RouteRepository(models.routes);
  const settings = new SettingsRepository(models.settings);
  const affiliations = new AffiliationRepository(models.affiliations);
  const directory = new EntityDirectory({
    accountsUrl: deps.accountsUrl,
    catalogUrl: deps.catalogUrl,
    internalSecret: deps.internalSecret,
  });

  const offerUpdates = new OfferUpdates(deps.bus, directory);
  const offers = new OfferRepository(models.offers, (records) => offerUpdates.announce(records));
  const feedLog = new FeedRepository(feedModels);
  const feed = new FeedService(offers, feedLog, deps.bus, directory, { pollMs: deps.feedPollMs });
  const webhookOptions = { ...DEFAULT_WEBHOOK_OPTIONS, ...deps.webhooks };
  const webhookRepo = new WebhookRepository(models.webhooks, models.webhookCounts);
  const reconciler = new OfferReconciler(offers, stock, routes, settings);
  const forwarding = new ForwardingService(offers, routes, settings, stock, directory, deps.maxForwardDepth);
  const propagation = new OfferPropagation(reconciler, forwarding, feed, { offers, stock, routes, settings });
  const offerService = new OfferService(offers, affiliations, settings, forwarding, propagation, directory);
  const stockBulk = new StockBulk(stock, offers, propagation, directory);
  const offerBulk = new OfferBulk(offers, affiliations, settings, propagation, directory, offerService, stock, stockBulk);
  const importOptions = { maxBytes: 50 * 1024 * 1024, maxLines: 200_000, chunkLines: 1000, leaseMs: 30_000, pollMs: 1000, progressMs: 250, ...deps.imports };
  const importRepository = new ImportRepository(models.imports, models.importChunks);
  const runner = new ImportRunner(importRepository, offerBulk, stockBulk, directory, {
    leaseMs: importOptions.leaseMs,
    pollMs: importOptions.pollMs,
    catalogUrl: deps.catalogUrl,
    internalSecret: deps.internalSecret,
  });
  const services: ExchangeServices = {
    offers: offerService,
    stock: new StockService(stock, offers, propagation, directory),
    routes: new RouteService(routes, offers, propagation, directory),
    marketplaces: new MarketplaceService(settings, offers, propagation, directory),
    affiliations: new AffiliationService(affiliations, directory),
    feed,
    webhooks: new WebhookService(webhookRepo, feedLog, deps.bus, directory, webhookOptions),
    offerBulk,
    stockBulk,
    imports: new ImportService(importRepository, affiliations, directory, importOptions, () => runner.kick(), importOptions.progressMs),
    offerUpdates,
  };

  // Changes a crash left half-propagated are settled now, events left in outboxes reach their
  // feeds, and sweeps keep watch. A failure here is retried by the sweep rather than refusing to start.
  const sweeper = new OfferSweeper(propagation, { offers, stock, routes, settings });
  await sweeper.sweep().catch((error: unknown) => logger.warn("start-up settle sweep failed", { error: String(error) }));
  await feed.sweep();
  const stopSettleSweeper = sweeper.startSweeper(deps.feedSweepIntervalMs);
  const stopFeedSweeper = feed.startSweeper(deps.feedSweepIntervalMs);
  const stopSweeper = () => {
    stopSettleSweeper();
    stopFeedSweeper();
  };
  // Webhooks are delivered off the request path, from the durable log.
  const deliverer = new WebhookDeliverer(webhookRepo, feedLog, deps.bus, webhookOptions, feed);
  deliverer.start();
  // Imports a stopped process left unfinished go on here (or on another replica, whichever takes them first).
  runner.start();

  return {
    name: "exchange",
    schema: await buildExchangeSchema(),
    internalSecret: deps.internalSecret,
    services,
    createContext: (principal: Principal | null) => createExchangeContext(services, principal),
    ready: async () => (await pingMongo(deps.connection)) && (await deps.bus.ping()),
    http: importRoutes(services.imports, deps.internalSecret, importOptions.maxBytes),
    stop: async () => {
      stopSweeper();
      runner.stop();
      await deliverer.stop();
    },
  };
}
