import type { ApiKeyModel, ApiKeyRecord } from "./api-key.model";

export class ApiKeyRepository {
  constructor(private readonly model: ApiKeyModel) {}

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.model.create(record);
  }

  async findActive(keyId: string): Promise<ApiKeyRecord | null> {
    return this.model.findOne({ _id: keyId, revokedAt: { $exists: false } }).lean<ApiKeyRecord>();
  }

  /** Revokes every live key of an account except `keepKeyId`. */
  async revokeOthers(principalId: string, keepKeyId: string): Promise<void> {
    await this.model.updateMany(
      { principalId, _id: { $ne: keepKeyId }, revokedAt: { $exists: false } },
      { $set: { revokedAt: new Date() } },
    );
  }
}
