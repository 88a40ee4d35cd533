import { requireAdminOr } from "../../shared/auth";
import { BadUserInputError, InsufficientStockError, VersionConflictError } from "../../shared/errors";
import { isIdOf } from "../../shared/ids";
import type { Principal } from "../../shared/principal";
import type { EntityDirectory } from "../directory/entity-directory";
import { newIntent, type SettleIntent } from "../offer/intent";
import type { OfferPropagation } from "../offer/offer.propagation";
import type { OfferRepository } from "../offer/offer.repository";
import type { StockLevel, StockRepository } from "./stock.repository";

const MAX_QUANTITY = 2_147_483_647; // GraphQL Int

/** A level to set: an integer from 0 to the largest GraphQL Int. */
export function validateQuantity(quantity: number): void {
  if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) {
    throw new BadUserInputError('"quantity" must be an integer ≥ 0', { field: "quantity" });
  }
}

/** Stock levels of sellers and marketplaces, and what their changes do to offers. */
export class StockService {
  constructor(
    private readonly stock: StockRepository,
    private readonly offers: OfferRepository,
    private readonly propagation: OfferPropagation,
    private readonly directory: EntityDirectory,
  ) {}

  private async authorize(principal: Principal | null, ownerId: string, productId: string): Promise<"SELLER" | "MARKETPLACE"> {
    requireAdminOr(principal, { kind: "SELLER", id: ownerId }, { kind: "MARKETPLACE", id: ownerId });
    const [kind] = await Promise.all([this.directory.requireOwner(ownerId), this.directory.require("Product", productId)]);
    return kind;
  }

  async get(principal: Principal | null, ownerId: string, productId: string): Promise<StockLevel> {
    await this.authorize(principal, ownerId, productId);
    return this.stock.get(ownerId, productId);
  }

  /** Sets a level; with `expectedVersion`, only if the level is still at that version. */
  async set(
    principal: Principal | null,
    input: { ownerId: string; productId: string; quantity: number; expectedVersion?: number | null },
  ): Promise<StockLevel> {
    const { ownerId, productId, quantity, expectedVersion } = input;
    await this.authorize(principal, ownerId, productId);
    validateQuantity(quantity);
    for (;;) {
      // The change and the intent to re-evaluate what reads it are one atomic write.
      const intent = newIntent();
      // One write when the level exists and changes, as it mostly does; otherwise read it to tell why not.
      const changed = await this.stock.setIfChanged(ownerId, productId, quantity, expectedVersion, intent);
      if (changed) {
        await this.afterChange(ownerId, productId, changed.before.quantity, changed.after.quantity, intent);
        return changed.after;
      }
      const current = await this.stock.get(ownerId, productId);
      if (expectedVersion != null && current.version !== expectedVersion) {
        throw new VersionConflictError(
          `Stock level is at version ${current.version}, not ${expectedVersion}`,
          { currentVersion: current.version },
        );
      }
      if (current.quantity === quantity) return current;
      if (current.version !== 0) continue; // moved on between the write and the read: try again
      const created = await this.stock.compareAndSet(ownerId, productId, quantity, 0, intent);
      if (!created) continue; // a concurrent first write: decide again on its level
      await this.afterChange(ownerId, productId, 0, created.quantity, intent);
      return created;
    }
  }

  /** Adds `delta` atomically; never below zero (INSUFFICIENT_STOCK). */
  async adjust(principal: Principal | null, input: { ownerId: string; productId: string; delta: number }): Promise<StockLevel> {
    const { ownerId, productId, delta } = input;
    await this.authorize(principal, ownerId, productId);
    if (!Number.isInteger(delta)) throw new BadUserInputError('"delta" must be an integer', { field: "delta" });
    if (delta === 0) return this.stock.get(ownerId, productId);
    const intent = newIntent();
    const updated = await this.stock.adjust(ownerId, productId, delta, MAX_QUANTITY, intent);
    if (updated === "below") {
      throw new InsufficientStockError(`Adjusting by ${delta} would make the stock negative`, { delta });
    }
    if (updated === "above") {
      throw new BadUserInputError("The stock level would exceed the largest quantity", { field: "delta" });
    }
    await this.afterChange(ownerId, productId, updated.quantity - delta, updated.quantity, intent);
    return updated;
  }

  /**
   * Re-evaluates every offer that reads this level (direct offers of a
   * seller, offers forwarded by a marketplace) and what is downstream of
   * them; when a marketplace's stock arrives, its offers of the product may
   * now pass the gate of its auto-forward routes. Closes `intent`, written
   * with the change.
   */
  private async afterChange(ownerId: string, productId: string, before: number, after: number, intent: SettleIntent): Promise<void> {
    // Only a marketplace's stock opens a gate: a seller's arriving lets nothing new be forwarded.
    const gateOpened = before === 0 && after > 0 && isIdOf("marketplace", ownerId);
    await this.propagation.settleStock(ownerId, productId, gateOpened, intent);
  }
}
