import { Schema, type Connection, type Model } from "mongoose";

/** Sellers and marketplaces share one shape, each in its own collection. */
export interface AccountRecord {
  _id: string;
  name: string;
  createdAt: Date;
}

const accountSchema = new Schema<AccountRecord>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export type AccountModel = Model<AccountRecord>;

export const sellerModel = (connection: Connection): AccountModel =>
  connection.model<AccountRecord>("Seller", accountSchema.clone(), "sellers");

export const marketplaceModel = (connection: Connection): AccountModel =>
  connection.model<AccountRecord>("Marketplace", accountSchema.clone(), "marketplaces");
