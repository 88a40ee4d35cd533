import {
  AffiliateSellerDocument,
  OfferDocument,
  OfferEventsDocument,
  OpenRouteDocument,
  SetStockDocument,
  SubmitOfferDocument,
  type QuantityPolicy,
} from "../generated/graphql";
import { createMarketplace, createProduct, createSeller } from "../fixtures";
import type { GraphQLClient } from "./graphql-client";

/** A small exchange world for one test: a seller, marketplaces and a product, all fresh. */
export async function buildWorld(admin: GraphQLClient, marketplaces = 3) {
  const seller = await createSeller(admin);
  const markets = await Promise.all(Array.from({ length: marketplaces }, () => createMarketplace(admin)));
  const product = await createProduct(admin);
  const ids = markets.map((m) => m.marketplace.id);
  return {
    admin,
    seller,
    sellerId: seller.seller.id,
    markets,
    ids,
    product,
    productId: product.id,
    setStock: (ownerId: string, quantity: number) =>
      admin.data(SetStockDocument, { input: { ownerId, productId: product.id, quantity } }),
    affiliate: (marketplaceId: string) =>
      admin.data(AffiliateSellerDocument, { sellerId: seller.seller.id, marketplaceId }),
    openRoute: (from: string, to: string, options: { autoForward?: boolean; quantityPolicy?: QuantityPolicy } = {}) =>
      admin.data(OpenRouteDocument, { input: { fromMarketplaceId: from, toMarketplaceId: to, ...options } }),
    submit: async (marketplaceId: string, price = 1999, currency = "BRL") =>
      (
        await admin.data(SubmitOfferDocument, {
          input: { sellerId: seller.seller.id, marketplaceId, productId: product.id, price, currency },
        })
      ).submitOffer,
    offer: async (id: string) => (await admin.data(OfferDocument, { id })).offer!,
    events: async (marketplaceId: string, after?: string) =>
      (await admin.data(OfferEventsDocument, { marketplaceId, after, first: 1000 })).offerEvents.edges.map((e) => e.node),
  };
}

export type World = Awaited<ReturnType<typeof buildWorld>>;
