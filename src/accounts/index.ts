import type { Connection } from "mongoose";
import { ensureIndexes, pingMongo } from "../shared/mongo";
import type { Principal } from "../shared/principal";
import type { SubgraphServerOptions } from "../shared/subgraph-server";
import { marketplaceModel, sellerModel } from "./account/account.model";
import { AccountRepository } from "./account/account.repository";
import { AccountService } from "./account/account.service";
import { apiKeyModel } from "./api-key/api-key.model";
import { ApiKeyRepository } from "./api-key/api-key.repository";
import { ApiKeyService } from "./api-key/api-key.service";
import { createAccountsContext, type AccountsContext, type AccountsServices } from "./context";
import { buildAccountsSchema } from "./schema";

export interface AccountsDeps {
  connection: Connection;
  adminApiKey: string;
  internalSecret: string;
}

/** Wires the accounts subgraph on its own connection: models, indexes, services and schema. */
export async function createAccountsSubgraph(deps: AccountsDeps): Promise<SubgraphServerOptions<AccountsContext> & { services: AccountsServices }> {
  const sellers = sellerModel(deps.connection);
  const marketplaces = marketplaceModel(deps.connection);
  const apiKeys = apiKeyModel(deps.connection);
  await ensureIndexes([sellers, marketplaces, apiKeys]);

  const apiKeyService = new ApiKeyService(new ApiKeyRepository(apiKeys), deps.adminApiKey);
  const services: AccountsServices = {
    apiKeys: apiKeyService,
    sellers: new AccountService(new AccountRepository(sellers, "seller"), apiKeyService, "SELLER"),
    marketplaces: new AccountService(new AccountRepository(marketplaces, "marketplace"), apiKeyService, "MARKETPLACE"),
  };
  return {
    name: "accounts",
    schema: await buildAccountsSchema(),
    internalSecret: deps.internalSecret,
    services,
    createContext: (principal: Principal | null) => createAccountsContext(services, principal),
    ready: () => pingMongo(deps.connection),
  };
}
