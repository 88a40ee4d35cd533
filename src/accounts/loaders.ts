import { byIdLoader } from "../shared/loaders";
import type { AccountService } from "./account/account.service";

/** Per-request loaders of the accounts subgraph. */
export const createAccountsLoaders = (services: { sellers: AccountService; marketplaces: AccountService }) => ({
  sellerById: byIdLoader((ids) => services.sellers.findByIds(ids)),
  marketplaceById: byIdLoader((ids) => services.marketplaces.findByIds(ids)),
});

export type AccountsLoaders = ReturnType<typeof createAccountsLoaders>;
