import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "../shared/federation";
import { BulkResolver } from "./bulk/bulk.resolver";
import { ImportResolver } from "./import/import.resolver";
import { AffiliationResolver } from "./affiliation/affiliation.resolver";
import type { ExchangeContext } from "./context";
import { feedResolvers, FeedResolver } from "./feed/feed.resolver";
import { MarketplaceResolver } from "./marketplace/marketplace.resolver";
import { OfferUpdatesResolver } from "./offer/offer-updates.resolver";
import { OfferResolver } from "./offer/offer.resolver";
import { ProductResolver } from "./product/product.resolver";
import { RouteResolver } from "./route/route.resolver";
import { SellerResolver } from "./seller/seller.resolver";
import { StockResolver } from "./stock/stock.resolver";
import { WebhookResolver } from "./webhook/webhook.resolver";

const asIs = (ref: { id: string }) => ({ id: ref.id });

export function buildExchangeSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        OfferResolver,
        StockResolver,
        RouteResolver,
        AffiliationResolver,
        MarketplaceResolver,
        SellerResolver,
        ProductResolver,
        FeedResolver,
        WebhookResolver,
        BulkResolver,
        ImportResolver,
        OfferUpdatesResolver,
      ],
    },
    {
      Offer: {
        __resolveReference: (ref: { id: string }, ctx: ExchangeContext) => ctx.loaders.offerById.load(ref.id),
      },
      // Foreign entities: their existence is the owning subgraph's answer; here they only carry fields.
      Seller: { __resolveReference: asIs },
      Marketplace: { __resolveReference: asIs },
      Product: { __resolveReference: asIs },
      ...feedResolvers,
    },
  );
}
