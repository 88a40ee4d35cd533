import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "../shared/federation";
import { ApiKeyResolver } from "./api-key/api-key.resolver";
import type { AccountsContext } from "./context";
import { MarketplaceResolver } from "./marketplace/marketplace.resolver";
import { SellerResolver } from "./seller/seller.resolver";
import { ViewerResolver } from "./viewer/viewer.resolver";

export function buildAccountsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [ViewerResolver, SellerResolver, MarketplaceResolver, ApiKeyResolver] },
    {
      Seller: {
        __resolveReference: (ref: { id: string }, ctx: AccountsContext) => ctx.loaders.sellerById.load(ref.id),
      },
      Marketplace: {
        __resolveReference: (ref: { id: string }, ctx: AccountsContext) => ctx.loaders.marketplaceById.load(ref.id),
      },
    },
  );
}
