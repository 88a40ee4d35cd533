import { logger } from "../../shared/logger";
import type { FactRepositories, OfferPropagation } from "./offer.propagation";

/** How long an intent may wait before a periodic sweep takes it: a live request normally closes its own well before. */
export const SETTLE_GRACE_MS = 5_000;
const SWEEP_BATCH = 100;

/** Settles the intents a crash or a failure left behind (see `OfferPropagation`). */
export class OfferSweeper {
  constructor(
    private readonly propagation: OfferPropagation,
    private readonly facts: FactRepositories,
  ) {}

  /**
   * Redoes the work of every intent set at or before `cutoff` (all of them
   * at start-up): facts first, then offers. Returns how many it settled.
   */
  async sweep(cutoff = new Date()): Promise<number> {
    const { offers, stock, routes, settings } = this.facts;
    let total = 0;
    // One that fails is left for the next sweep, without holding up the others.
    const each = async <T>(items: readonly T[], work: (item: T) => Promise<void>) => {
      for (const item of items) {
        try {
          await work(item);
          total++;
        } catch (error) {
          logger.warn("settling a change left behind failed; the next sweep retries it", { error: String(error) });
        }
      }
    };
    for (let pass = 0; pass < 100; pass++) {
      const levels = await stock.withIntent(cutoff, SWEEP_BATCH);
      // Whether stock arrived is not known any more: a level above 0 may have.
      await each(levels, (l) => this.propagation.settleStock(l.ownerId, l.productId, l.quantity > 0, l.intent));
      const changedRoutes = await routes.withIntent(cutoff, SWEEP_BATCH);
      await each(changedRoutes, (r) => this.propagation.settleRoute(r.fromId, r.toId, r.active && r.autoForward, r.intent));
      const gates = await settings.withIntent(cutoff, SWEEP_BATCH);
      await each(gates, (g) => this.propagation.settleGate(g.marketplaceId, g.requireStockToForward, true, g.intent));
      if (Math.max(levels.length, changedRoutes.length, gates.length) < SWEEP_BATCH) break;
    }
    let after = "";
    for (;;) {
      const pending = await offers.withSettleIntent(cutoff, after, SWEEP_BATCH);
      if (pending.length === 0) break;
      await this.propagation.settle({ cause: "offers", ids: pending.map((o) => o._id), records: pending });
      total += pending.length;
      after = pending.at(-1)!._id;
    }
    return total;
  }

  /** Sweeps every `intervalMs` for intents older than `graceMs`; returns a function that stops it. */
  startSweeper(intervalMs: number, graceMs = SETTLE_GRACE_MS): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.sweep(new Date(Date.now() - graceMs))
        .then((n) => n > 0 && logger.info("settled changes a crash or a failure left behind", { intents: n }))
        .catch((error: unknown) => logger.warn("settle sweep failed", { error: String(error) }))
        .finally(() => (running = false));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
