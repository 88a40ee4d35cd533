import type { SettleIntent } from "../offer/intent";
import { DEFAULT_SETTINGS, type SettingsModel, type SettingsRecord } from "./settings.model";

export interface MarketplaceSettings {
  marketplaceId: string;
  requireStockToForward: boolean;
  autoApprove: boolean;
}

export class SettingsRepository {
  constructor(private readonly model: SettingsModel) {}

  /** Settings for each id, the defaults where none were ever written; one query. */
  async getMany(ids: readonly string[]): Promise<Map<string, MarketplaceSettings>> {
    const unique = [...new Set(ids)];
    const rows = unique.length ? await this.model.find({ _id: { $in: unique } }).lean<SettingsRecord[]>() : [];
    const byId = new Map(rows.map((r) => [r._id, r]));
    return new Map(
      unique.map((id) => {
        const r = byId.get(id);
        return [
          id,
          {
            marketplaceId: id,
            requireStockToForward: r?.requireStockToForward ?? DEFAULT_SETTINGS.requireStockToForward,
            autoApprove: r?.autoApprove ?? DEFAULT_SETTINGS.autoApprove,
          },
        ];
      }),
    );
  }

  async get(id: string): Promise<MarketplaceSettings> {
    return (await this.getMany([id])).get(id)!;
  }

  /**
   * Writes only the given settings, atomically (two concurrent changes of
   * different settings both hold), with `intent` when given; returns the
   * settings before and after.
   */
  async update(
    id: string,
    set: Partial<Pick<MarketplaceSettings, "requireStockToForward" | "autoApprove">>,
    intent?: SettleIntent,
  ): Promise<{ before: MarketplaceSettings; after: MarketplaceSettings }> {
    const onInsert = Object.fromEntries(Object.entries(DEFAULT_SETTINGS).filter(([k]) => !(k in set)));
    const prior = await this.model
      .findOneAndUpdate(
        { _id: id },
        { $set: { ...set, updatedAt: new Date(), ...(intent ? { intent } : {}) }, $setOnInsert: onInsert },
        { upsert: true, returnDocument: "before" },
      )
      .lean<SettingsRecord>();
    const before: MarketplaceSettings = {
      marketplaceId: id,
      requireStockToForward: prior?.requireStockToForward ?? DEFAULT_SETTINGS.requireStockToForward,
      autoApprove: prior?.autoApprove ?? DEFAULT_SETTINGS.autoApprove,
    };
    return { before, after: { ...before, ...set } };
  }

  /** Clears the marketplace's intent, unless a later change has set another since. */
  async clearIntent(id: string, intent: SettleIntent): Promise<void> {
    await this.model.updateOne({ _id: id, "intent.id": intent.id }, { $unset: { intent: 1 } });
  }

  /** Marketplaces whose intent was set at or before `cutoff`: gate changes whose offers may not have been re-evaluated. */
  async withIntent(cutoff: Date, limit: number): Promise<(MarketplaceSettings & { intent: SettleIntent })[]> {
    const rows = await this.model.find({ "intent.at": { $lte: cutoff } }).limit(limit).lean<SettingsRecord[]>();
    return rows.map((r) => ({
      marketplaceId: r._id,
      requireStockToForward: r.requireStockToForward,
      autoApprove: r.autoApprove,
      intent: r.intent!,
    }));
  }
}
