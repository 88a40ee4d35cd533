import { Schema, type Connection, type Model } from "mongoose";

/** A marketplace's exchange settings; a marketplace with no record has the defaults. */
export interface SettingsRecord {
  _id: string; // the marketplace id
  requireStockToForward: boolean;
  autoApprove: boolean;
  updatedAt: Date;
}

export const DEFAULT_SETTINGS = { requireStockToForward: true, autoApprove: true } as const;

const settingsSchema = new Schema<SettingsRecord>(
  {
    _id: { type: String, required: true },
    requireStockToForward: { type: Boolean, required: true },
    autoApprove: { type: Boolean, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export type SettingsModel = Model<SettingsRecord>;

export const settingsModel = (connection: Connection): SettingsModel =>
  connection.model<SettingsRecord>("MarketplaceSettings", settingsSchema, "marketplace_settings");
