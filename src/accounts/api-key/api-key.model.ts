import { Schema, type Connection, type Model } from "mongoose";

/** Only a hash of the secret is stored; the key itself is shown once, at creation. */
export interface ApiKeyRecord {
  _id: string; // the key's public id, part of the key
  secretHash: string; // sha256 of the secret part, hex
  principalKind: "SELLER" | "MARKETPLACE";
  principalId: string;
  createdAt: Date;
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
