import { Schema, type Connection, type Model } from "mongoose";

export interface StockRecord {
  _id: string; // `${ownerId}:${productId}`
  ownerId: string;
  productId: string;
  quantity: number;
  version: number;
  updatedAt: Date;
}

const stockSchema = new Schema<StockRecord>(
  {
    _id: { type: String, required: true },
    ownerId: { type: String, required: true },
    productId: { type: String, required: true },
    quantity: { type: Number, required: true, min: 0 },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export type StockModel = Model<StockRecord>;

export const stockModel = (connection: Connection): StockModel =>
  connection.model<StockRecord>("StockLevel", stockSchema, "stock_levels");

export const stockKey = (ownerId: string, productId: string) => `${ownerId}:${productId}`;
