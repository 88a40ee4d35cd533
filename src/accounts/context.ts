import type { Principal } from "../shared/principal";
import type { AccountService } from "./account/account.service";
import type { ApiKeyService } from "./api-key/api-key.service";
import type { KeyRotationService } from "./api-key/key-rotation.service";
import { createAccountsLoaders, type AccountsLoaders } from "./loaders";

export interface AccountsServices {
  sellers: AccountService;
  marketplaces: AccountService;
  apiKeys: ApiKeyService;
  keyRotation: KeyRotationService;
}

export interface AccountsContext {
  principal: Principal | null;
  services: AccountsServices;
  loaders: AccountsLoaders;
}

export const createAccountsContext = (services: AccountsServices, principal: Principal | null): AccountsContext => ({
  principal,
  services,
  loaders: createAccountsLoaders(services),
});
