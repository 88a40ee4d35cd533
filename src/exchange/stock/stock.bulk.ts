import { requireAdminOr } from "../../shared/auth";
import { isIdOf } from "../../shared/ids";
import type { Principal } from "../../shared/principal";
import { byItem, checkBulkRequest, checkEach, rounds, type BulkError, type BulkOutcome } from "../bulk/bulk";
import type { EntityDirectory } from "../directory/entity-directory";
import { newIntent, type SettleIntent } from "../offer/intent";
import type { OfferPropagation } from "../offer/offer.propagation";
import type { OfferRepository } from "../offer/offer.repository";
import { stockKey } from "./stock.model";
import type { StockLevel, StockRepository } from "./stock.repository";
import { validateQuantity } from "./stock.service";

export interface SetStockItem {
  ownerId: string;
  productId: string;
  quantity: number;
  expectedVersion?: number | null;
}

type Item = { index: number; input: SetStockItem };

/** A level that a write moved from `before` to `after`. */
export interface StockChange {
  ownerId: string;
  productId: string;
  before: number;
  after: number;
}

/**
 * `setStocks`: each item checked and applied as `setStock` would, the levels
 * written in one bulk statement, and the offers they affect settled in one
 * round of propagation.
 */
export class StockBulk {
  constructor(
    private readonly stock: StockRepository,
    private readonly offers: OfferRepository,
    private readonly propagation: OfferPropagation,
    private readonly directory: EntityDirectory,
  ) {}

  async setMany(principal: Principal | null, inputs: readonly SetStockItem[]): Promise<BulkOutcome<StockLevel>[]> {
    checkBulkRequest(principal, inputs.length);
    const outcomes = new Map<number, BulkOutcome<StockLevel>>();
    // Offers of one product may read several of the items' levels (a seller's and its marketplaces'):
    // items for the same product run one round after another, so that each settles as its single call would.
    for (const round of rounds(inputs.map((input, index) => ({ index, input })), (i) => i.input.productId)) {
      for (const outcome of await this.setRound(principal, round)) outcomes.set(outcome.index, outcome);
    }
    return inputs.map((_, index) => outcomes.get(index)!);
  }

  /** Items for distinct products. */
  private async setRound(principal: Principal | null, items: readonly Item[]): Promise<BulkOutcome<StockLevel>[]> {
    const failed = new Map<number, BulkError>();
    const done = new Map<number, StockLevel>();
    let pending = await checkEach(items, failed, async ({ input }) => {
      requireAdminOr(principal, { kind: "SELLER", id: input.ownerId }, { kind: "MARKETPLACE", id: input.ownerId });
      await Promise.all([this.directory.requireOwner(input.ownerId), this.directory.require("Product", input.productId)]);
      validateQuantity(input.quantity);
    });
    const changed: StockChange[] = [];
    // The levels and the intent to settle what reads them go in one atomic write each; a crash before the settle leaves it to the sweep.
    const intent = newIntent();
    // Compare-and-set on each level's version; a level that moved meanwhile is decided again on its new value.
    while (pending.length > 0) {
      const levels = await this.stock.getMany(pending.map((p) => p.input));
      const writes: { item: (typeof pending)[number]; before: StockLevel }[] = [];
      for (const item of pending) {
        const { ownerId, productId, quantity, expectedVersion } = item.input;
        const current = levels.get(stockKey(ownerId, productId))!;
        if (expectedVersion != null && current.version !== expectedVersion) {
          failed.set(item.index, {
            code: "VERSION_CONFLICT",
            message: `Stock level is at version ${current.version}, not ${expectedVersion}`,
          });
        } else if (current.quantity === quantity) done.set(item.index, current);
        else writes.push({ item, before: current });
      }
      const won = await this.stock.compareAndSetMany(
        writes.map((w) => ({ ...w.item.input, version: w.before.version })),
        intent,
      );
      pending = [];
      for (const { item, before } of writes) {
        const after = won.get(stockKey(item.input.ownerId, item.input.productId));
        if (!after) {
          pending.push(item);
          continue;
        }
        done.set(item.index, after);
        changed.push({ ownerId: item.input.ownerId, productId: item.input.productId, before: before.quantity, after: after.quantity });
      }
    }
    await this.afterChanges(changed, intent);
    return [
      ...[...failed].map(([index, error]) => ({ index, error })),
      ...[...done].map(([index, value]) => ({ index, value })),
    ];
  }

  /**
   * `StockService.afterChange` for many levels at once: one read of the
   * offers they affect, one settle. `except`: offers already evaluated on
   * the new levels (new offers inserted after the change), left out.
   * Closes `intent`, written with the levels.
   */
  async afterChanges(changed: readonly StockChange[], intent: SettleIntent, except?: ReadonlySet<string>): Promise<void> {
    if (changed.length === 0) return;
    // In the items' order, as their single calls would settle them.
    const order = new Map(changed.map((c, i) => [stockKey(c.ownerId, c.productId), i]));
    const depending = await this.offers.dependingOnStocks(changed);
    const affected = (except ? depending.filter((o) => !except.has(o._id)) : depending).sort(
      (a, b) => order.get(stockKey(a.depth === 0 ? a.sellerId : a.viaId!, a.productId))! - order.get(stockKey(b.depth === 0 ? b.sellerId : b.viaId!, b.productId))!,
    );
    const itemOfProduct = new Map(changed.map((c, i) => [c.productId, i]));
    // Only a marketplace's stock opens a gate: a seller's arriving lets nothing new be forwarded.
    const arrived = changed
      .filter((c) => c.before === 0 && c.after > 0 && isIdOf("marketplace", c.ownerId))
      .map((c) => ({ marketplaceId: c.ownerId, productId: c.productId }));
    await this.propagation.settle({
      cause: "facts",
      records: affected,
      candidates: arrived.length ? () => this.offers.activeAtMany(arrived) : undefined,
      // A round's items are for distinct products: an offer's product names its item.
      flushOrder: byItem((o) => itemOfProduct.get(o.productId)),
    });
    await this.stock.clearIntents(intent);
  }
}
