import { isDuplicateKey } from "../../shared/mongo";
import type { AccountKeyModel, AccountKeyRecord, ApiKeyModel, ApiKeyRecord } from "./api-key.model";

export class ApiKeyRepository {
  constructor(
    private readonly model: ApiKeyModel,
    private readonly current: AccountKeyModel,
  ) {}

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.model.create(record);
  }

  /**
   * The key's record while it is its account's working key: the account's
   * current key once it has one (`makeCurrent`), else any key not revoked
   * (an account never rotated has the one key it was created with).
   */
  async findActive(keyId: string): Promise<ApiKeyRecord | null> {
    const record = await this.model.findById(keyId).lean<ApiKeyRecord>();
    if (!record) return null;
    const current = await this.current.findById(record.principalId).lean<AccountKeyRecord>();
    if (current ? current.keyId !== keyId : record.revokedAt) return null;
    return record;
  }

  /**
   * Makes `keyId` the account's one working key, every other one refused from
   * then on: one atomic write to the account's document, so that of
   * concurrent rotations the last one written wins whole (never none, never
   * two). Returns the account's generation after it.
   */
  async makeCurrent(principalId: string, keyId: string): Promise<number> {
    const write = () =>
      this.current
        .findOneAndUpdate(
          { _id: principalId },
          { $set: { keyId, rotatedAt: new Date() }, $inc: { generation: 1 } },
          { upsert: true, returnDocument: "after" },
        )
        .lean<AccountKeyRecord>();
    // Two first rotations racing to create the document: one inserts, the other updates it.
    const written = await write().catch((error: unknown) => (isDuplicateKey(error) ? write() : Promise.reject(error)));
    return written!.generation;
  }

  /** The account's current key and generation, or null before its first rotation. */
  async currentOf(principalId: string): Promise<AccountKeyRecord | null> {
    return this.current.findById(principalId).lean<AccountKeyRecord>();
  }
}
