import { newId } from "../../shared/ids";
import type { Page } from "../../shared/pagination";
import type { AccountModel, AccountRecord } from "./account.model";

export interface Account {
  id: string;
  name: string;
  createdAt: Date;
}

const toAccount = (r: AccountRecord): Account => ({ id: r._id, name: r.name, createdAt: r.createdAt });

/** Data access for one kind of account (sellers or marketplaces). */
export class AccountRepository {
  constructor(
    private readonly model: AccountModel,
    private readonly kind: "seller" | "marketplace",
  ) {}

  async create(name: string): Promise<Account> {
    const record: AccountRecord = { _id: newId(this.kind), name, createdAt: new Date() };
    await this.model.create(record);
    return toAccount(record);
  }

  async findByIds(ids: readonly string[]): Promise<Account[]> {
    const rows = await this.model.find({ _id: { $in: ids } }).lean<AccountRecord[]>();
    return rows.map(toAccount);
  }

  /** `first + 1` accounts after the key, oldest first, and the total. */
  async page(page: Page): Promise<{ rows: Account[]; total: number }> {
    const filter = page.afterKey ? { _id: { $gt: page.afterKey } } : {};
    const [rows, total] = await Promise.all([
      this.model.find(filter).sort({ _id: 1 }).limit(page.first + 1).lean<AccountRecord[]>(),
      this.model.countDocuments(),
    ]);
    return { rows: rows.map(toAccount), total };
  }
}
