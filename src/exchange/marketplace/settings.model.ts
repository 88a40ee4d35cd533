import { Schema, type Connection, type Model } from "mongoose";
import { intentSchema, type SettleIntent } from "../offer/intent";

/** A marketplace's exchange settings; a marketplace with no record has the defaults. */
export interface SettingsRecord {
  _id: string; // the marketplace id
  requireStockToForward: boolean;
  autoApprove: boolean;
  updatedAt: Date;
  /** Set with every change of the stock gate, cleared once the offers it decides are re-evaluated. */
  intent?: SettleIntent;
}

export const DEFAULT_SETTINGS = { requireStockToForward: true, autoApprove: true } as const;

const settingsSchema = new Schema<SettingsRecord>(
  {
    _id: { type: String, required: true },
    requireStockToForward: { type: Boolean, required: true },
    autoApprove: { type: Boolean, required: true },
    updatedAt: { type: Date, required: true },
    intent: { type: intentSchema, required: false },
  },
  { versionKey: false },
);

settingsSchema.index({ "intent.at": 1 }, { sparse: true });

export type SettingsModel = Model<SettingsRecord>;

export const settingsModel = (connection: Connection): SettingsModel =>
  connection.model<SettingsRecord>("MarketplaceSettings", settingsSchema, "marketplace_settings");
