import { requireAdmin } from "../../shared/auth";
import type { Principal } from "../../shared/principal";
import { parsePage, toConnection, type Connection } from "../../shared/pagination";
import { validateName } from "../../shared/validation";
import type { ApiKeyService } from "../api-key/api-key.service";
import type { Account, AccountRepository } from "./account.repository";

/** Onboarding and reads of one kind of account; sellers and marketplaces follow the same rules. */
export class AccountService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly apiKeys: ApiKeyService,
    private readonly principalKind: "SELLER" | "MARKETPLACE",
  ) {}

  /** Admin only. The API key is returned here once and never again. */
  async create(principal: Principal | null, name: string): Promise<{ account: Account; apiKey: string }> {
    requireAdmin(principal);
    const account = await this.accounts.create(validateName(name));
    const { apiKey } = await this.apiKeys.issue(this.principalKind, account.id);
    return { account, apiKey };
  }

  async list(args: { first?: number | null; after?: string | null }): Promise<Connection<Account>> {
    const page = parsePage(args);
    const { rows, total } = await this.accounts.page(page);
    return toConnection(rows, page, (a) => a.id, total);
  }

  findByIds(ids: readonly string[]): Promise<Account[]> {
    return this.accounts.findByIds(ids);
  }
}
