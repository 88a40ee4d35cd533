import { Schema, type Connection, type Model } from "mongoose";

/** Only a hash of the secret is stored; the key itself is shown once, at creation. */
export interface ApiKeyRecord {
  _id: string; // the key's public id, part of the key
  secretHash: string; // sha256 of the secret part, hex
  principalKind: "SELLER" | "MARKETPLACE";
  principalId: string;
  createdAt: Date;
  /** Set on keys revoked before accounts had a current key (`AccountKeyRecord`); read for those accounts only. */
  revokedAt?: Date;
}

const apiKeySchema = new Schema<ApiKeyRecord>(
  {
    _id: { type: String, required: true },
    secretHash: { type: String, required: true },
    principalKind: { type: String, required: true, enum: ["SELLER", "MARKETPLACE"] },
    principalId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    revokedAt: { type: Date },
  },
  { versionKey: false },
);
apiKeySchema.index({ principalId: 1 });

export type ApiKeyModel = Model<ApiKeyRecord>;

export const apiKeyModel = (connection: Connection): ApiKeyModel =>
  connection.model<ApiKeyRecord>("ApiKey", apiKeySchema, "api_keys");

/**
 * An account's one working key, once its key has been rotated: one document
 * per account, replaced by a single atomic write per rotation, so that
 * concurrent rotations serialise on it and the last one wins whole.
 */
export interface AccountKeyRecord {
  _id: string; // the account's id
  keyId: string;
  /** Counts the account's rotations. */
  generation: number;
  rotatedAt: Date;
}

const accountKeySchema = new Schema<AccountKeyRecord>(
  {
    _id: { type: String, required: true },
    keyId: { type: String, required: true },
    generation: { type: Number, required: true },
    rotatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export type AccountKeyModel = Model<AccountKeyRecord>;

export const accountKeyModel = (connection: Connection): AccountKeyModel =>
  connection.model<AccountKeyRecord>("AccountKey", accountKeySchema, "account_keys");
