import type { Connection } from "mongoose";
import { ensureIndexes, pingMongo } from "../shared/mongo";
import type { Principal } from "../shared/principal";
import type { SubgraphServerOptions } from "../shared/subgraph-server";
import { marketplaceModel, sellerModel } from "./account/account.model";
import { AccountRepository } from "./account/account.repository";
import { AccountService } from "./account/account.service";
import { accountKeyModel, apiKeyModel } from "./api-key/api-key.model";
import { ApiKeyRepository } from "./api-key/api-key.repository";
import { ApiKeyService } from "./api-key/api-key.service";
import { KeyRotationService, type KeyRevocationNotifier } from "./api-key/key-rotation.service";
import { createAccountsContext, type AccountsContext, type AccountsServices } from "./context";
import { buildAccountsSchema } from "./schema";

export interface AccountsDeps {
  connection: Connection;
  adminApiKey: string;
  internalSecret: string;
  /** Tells the gateways that an account's keys changed (the event bus); without it their caches expire on their own. */
  revokeKeys?: KeyRevocationNotifier;
}

/** Wires the accounts subgraph on its own connection: models, indexes, services and schema. */
export async function createAccountsSubgraph(deps: AccountsDeps): Promise<SubgraphServerOptions<AccountsContext> & { services: AccountsServices }> {
  const sellers = sellerModel(deps.connection);
  const marketplaces = marketplaceModel(deps.connection);
  const apiKeys = apiKeyModel(deps.connection);
  const accountKeys = accountKeyModel(deps.connection);
  await ensureIndexes([sellers, marketplaces, apiKeys, accountKeys]);

  const keyRecords = new ApiKeyRepository(apiKeys, accountKeys);
  const apiKeyService = new ApiKeyService(keyRecords, deps.adminApiKey);
  const accounts = { seller: new AccountRepository(sellers, "seller"), marketplace: new AccountRepository(marketplaces, "marketplace") };
  const services: AccountsServices = {
    apiKeys: apiKeyService,
    sellers: new AccountService(accounts.seller, apiKeyService, "SELLER"),
    marketplaces: new AccountService(accounts.marketplace, apiKeyService, "MARKETPLACE"),
    keyRotation: new KeyRotationService(apiKeyService, keyRecords, accounts, deps.revokeKeys ?? (async () => undefined)),
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
