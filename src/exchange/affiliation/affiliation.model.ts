import { Schema, type Connection, type Model } from "mongoose";

export interface AffiliationRecord {
  _id: string; // `${sellerId}:${marketplaceId}`
  sellerId: string;
  marketplaceId: string;
  createdAt: Date;
}

const affiliationSchema = new Schema<AffiliationRecord>(
  {
    _id: { type: String, required: true },
    sellerId: { type: String, required: true },
    marketplaceId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
affiliationSchema.index({ sellerId: 1, createdAt: 1 });
affiliationSchema.index({ marketplaceId: 1, createdAt: 1 });

export type AffiliationModel = Model<AffiliationRecord>;

export const affiliationModel = (connection: Connection): AffiliationModel =>
  connection.model<AffiliationRecord>("Affiliation", affiliationSchema, "affiliations");

export const affiliationKey = (sellerId: string, marketplaceId: string) => `${sellerId}:${marketplaceId}`;
