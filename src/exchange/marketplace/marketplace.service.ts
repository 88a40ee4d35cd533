import { requireAdminOr } from "../../shared/auth";
import type { Principal } from "../../shared/principal";
import type { EntityDirectory } from "../directory/entity-directory";
import { newIntent } from "../offer/intent";
import type { OfferPropagation } from "../offer/offer.propagation";
import type { OfferRepository } from "../offer/offer.repository";
import type { MarketplaceSettings, SettingsRepository } from "./settings.repository";

/** A marketplace's exchange settings: the stock gate and auto-approval. */
export class MarketplaceService {
  constructor(
    private readonly settings: SettingsRepository,
    private readonly offers: OfferRepository,
    private readonly propagation: OfferPropagation,
    private readonly directory: EntityDirectory,
  ) {}

  /**
   * Changes the given settings; the offers the stock gate decides (those this
   * marketplace forwarded) are re-evaluated before it returns, and opening
   * the gate lets its auto-forward routes forward what now qualifies.
   */
  async configure(
    principal: Principal | null,
    input: { marketplaceId: string; requireStockToForward?: boolean | null; autoApprove?: boolean | null },
  ): Promise<MarketplaceSettings> {
    const { marketplaceId } = input;
    requireAdminOr(principal, { kind: "MARKETPLACE", id: marketplaceId });
    await this.directory.require("Marketplace", marketplaceId);
    const set: Partial<Pick<MarketplaceSettings, "requireStockToForward" | "autoApprove">> = {};
    if (input.requireStockToForward != null) set.requireStockToForward = input.requireStockToForward;
    if (input.autoApprove != null) set.autoApprove = input.autoApprove;
    // A change of the gate and the intent to re-evaluate what it decides are one atomic write.
    const intent = set.requireStockToForward !== undefined ? newIntent() : undefined;
    const { before, after } = await this.settings.update(marketplaceId, set, intent);
    if (intent) {
      const changed = before.requireStockToForward !== after.requireStockToForward;
      await this.propagation.settleGate(marketplaceId, after.requireStockToForward, changed, intent);
    }
    return after;
  }

  getMany(ids: readonly string[]): Promise<Map<string, MarketplaceSettings>> {
    return this.settings.getMany(ids);
  }
}
