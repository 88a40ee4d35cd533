import { Schema, type Connection, type Model } from "mongoose";

export interface ProductRecord {
  _id: string;
  gtin: string; // as created
  gtin14: string; // the identity: the GTIN zero-padded to 14 digits
  name: string;
  createdAt: Date;
}

const productSchema = new Schema<ProductRecord>(
  {
    _id: { type: String, required: true },
    gtin: { type: String, required: true },
    gtin14: { type: String, required: true },
    name: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
productSchema.index({ gtin14: 1 }, { unique: true });

export type ProductModel = Model<ProductRecord>;

export const productModel = (connection: Connection): ProductModel =>
  connection.model<ProductRecord>("Product", productSchema, "products");
