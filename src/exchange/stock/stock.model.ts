import { Schema, type Connection, type Model } from "mongoose";
import { intentSchema, type SettleIntent } from "../offer/intent";

export interface StockRecord {
  _id: string; // `${ownerId}:${productId}`
  ownerId: string;
  productId: string;
  quantity: number;
  version: number;
  updatedAt: Date;
  /** Set with every change of the level, cleared once the offers that read it are re-evaluated. */
  intent?: SettleIntent;
}

const stockSchema = new Schema<StockRecord>(
  {
    _id: { type: String, required: true },
    ownerId: { type: String, required: true },
    productId: { type: String, required: true },
    quantity: { type: Number, required: true, min: 0 },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
    intent: { type: intentSchema, required: false },
  },
  { versionKey: false },
);

stockSchema.index({ "intent.at": 1 }, { sparse: true });

export type StockModel = Model<StockRecord>;

export const stockModel = (connection: Connection): StockModel =>
  connection.model<StockRecord>("StockLevel", stockSchema, "stock_levels");

export const stockKey = (ownerId: string, productId: string) => `${ownerId}:${productId}`;
