import { logger } from "../../shared/logger";
import type { FeedService } from "../feed/feed.service";
import type { SettingsRepository } from "../marketplace/settings.repository";
import type { RouteRepository } from "../route/route.repository";
import type { StockRepository } from "../stock/stock.repository";
import type { ForwardingService } from "./forwarding.service";
import type { SettleIntent } from "./intent";
import type { OfferRecord } from "./offer.model";
import type { OfferReconciler } from "./offer.reconciler";
import type { OfferChange } from "./offer.transition";
import type { OfferRepository } from "./offer.repository";

export interface SettleOptions {
  /** `ids`' offers as the caller has just read them, after its change of facts: not read again. */
  records?: readonly OfferRecord[];
  /** Applied to each of `ids` before it is re-evaluated (e.g. a status change). */
  change?: (offer: OfferRecord) => OfferChange | null;
  /** Offers that may now pass auto-forward routes' checks (besides `ids` that are ACTIVE). */
  autoForwardCandidates?: () => Promise<OfferRecord[]>;
  /** Restrict the first auto-forward hop to this target (a route just opened). */
  autoForwardOnlyTo?: string;
  /** Also try `ids` themselves for auto-forwarding. */
  autoForwardIds?: boolean;
  /** Of `ids`, offers the caller has just inserted: written again only when the facts moved since their evaluation. */
  inserted?: ReadonlySet<string>;
  /** The order the written offers' events reach the feeds in (a bulk call: its items' order). */
  flushOrder?: (records: OfferRecord[]) => OfferRecord[];
}

/** The repositories whose documents carry settle intents, besides the offers'. */
export interface FactRepositories {
  offers: OfferRepository;
  stock: StockRepository;
  routes: RouteRepository;
  settings: SettingsRepository;
}

/** How long an intent may wait before a periodic sweep takes it: a live request normally closes its own well before. */
export const SETTLE_GRACE_MS = 5_000;
const SWEEP_BATCH = 100;

/**
 * The common tail of every exchange mutation, done before it returns:
 * re-evaluate the offers it touched and everything downstream of them,
 * forward what now qualifies, and make the resulting feed events durable.
 *
 * Crash safety: every change that this work follows from (a stock level, a
 * route, a marketplace's gate, an offer) writes a settle intent in the same
 * atomic update as the change itself, and the intent is cleared, by its id
 * (an offer's: on its `rev`), only once the work is done. So a crash at any
 * moment leaves either nothing to do or an intent; `sweep` (at start-up and
 * then periodically) redoes the work for every intent left behind. Redoing
 * it is harmless: every offer write is a compare-and-set against the facts it
 * read, and every feed event is appended once.
 */
export class OfferPropagation {
  constructor(
    private readonly reconciler: OfferReconciler,
    private readonly forwarding: ForwardingService,
    private readonly feed: FeedService,
    private readonly facts: FactRepositories,
  ) {}

  async settle(ids: readonly string[], options: SettleOptions = {}): Promise<Map<string, OfferRecord>> {
    const started = new Date();
    const written = await this.reconciler.apply(ids, options.change, options.records, options.inserted);
    const downstream = await this.reconciler.refreshDownstream(ids, false);
    // An offer whose intent predates this call (a crashed or still running writer's) is
    // caught up downstream above; its own auto-forwarding is tried here, before the intent closes.
    const leftover = [...written.values(), ...downstream.values()].filter(
      (o) => o.settleAt && o.settleAt < started && !(options.autoForwardIds && written.has(o._id)),
    );
    const candidates = [...(options.autoForwardIds ? written.values() : []), ...((await options.autoForwardCandidates?.()) ?? [])];
    const forwarded = [
      ...(candidates.length ? await this.forwarding.autoForward(candidates, options.autoForwardOnlyTo) : []),
      ...(leftover.length ? await this.forwarding.autoForward(leftover) : []),
    ];
    const touched = [...written.values(), ...downstream.values(), ...forwarded];
    await this.feed.flush(options.flushOrder ? options.flushOrder(touched) : touched, { settled: true });
    return written;
  }

  /**
   * After a change of `ownerId`'s stock of `productId` (its intent already
   * written with it): every offer that reads this level, what is downstream
   * of them and, when stock `arrived`, the owner's offers of the product
   * that may now pass its auto-forward routes' gate. Closes the intent.
   */
  async settleStock(ownerId: string, productId: string, arrived: boolean, intent: SettleIntent): Promise<void> {
    const { offers, stock } = this.facts;
    const affected = await offers.dependingOnStock(ownerId, productId);
    await this.settle(
      affected.map((o) => o._id),
      { records: affected, autoForwardCandidates: arrived ? () => offers.activeAt(ownerId, productId) : undefined },
    );
    await stock.clearIntent(ownerId, productId, intent);
  }

  /** After a change of the route: the offers forwarded over it, and what it may now auto-forward. Closes the intent. */
  async settleRoute(fromId: string, toId: string, autoForward: boolean, intent: SettleIntent): Promise<void> {
    const { offers, routes } = this.facts;
    const overRoute = await offers.forwardedBy(fromId, toId);
    await this.settle(
      overRoute.map((o) => o._id),
      {
        records: overRoute,
        ...(autoForward ? { autoForwardCandidates: () => offers.activeAt(fromId), autoForwardOnlyTo: toId } : {}),
      },
    );
    await routes.clearIntent(fromId, toId, intent);
  }

  /**
   * After a change of the marketplace's stock gate (`changed` false: nothing
   * to do but close the intent): the offers it forwarded, and, with the gate
   * off, what its auto-forward routes may now take.
   */
  async settleGate(marketplaceId: string, requireStockToForward: boolean, changed: boolean, intent: SettleIntent): Promise<void> {
    const { offers, settings } = this.facts;
    if (changed) {
      const forwarded = await offers.forwardedBy(marketplaceId);
      await this.settle(
        forwarded.map((o) => o._id),
        { records: forwarded, autoForwardCandidates: requireStockToForward ? undefined : () => offers.activeAt(marketplaceId) },
      );
    }
    await settings.clearIntent(marketplaceId, intent);
  }

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
      await each(levels, (l) => this.settleStock(l.ownerId, l.productId, l.quantity > 0, l.intent));
      const changedRoutes = await routes.withIntent(cutoff, SWEEP_BATCH);
      await each(changedRoutes, (r) => this.settleRoute(r.fromId, r.toId, r.active && r.autoForward, r.intent));
      const gates = await settings.withIntent(cutoff, SWEEP_BATCH);
      await each(gates, (g) => this.settleGate(g.marketplaceId, g.requireStockToForward, true, g.intent));
      if (Math.max(levels.length, changedRoutes.length, gates.length) < SWEEP_BATCH) break;
    }
    let after = "";
    for (;;) {
      const pending = await offers.withSettleIntent(cutoff, after, SWEEP_BATCH);
      if (pending.length === 0) break;
      await this.settle(
        pending.map((o) => o._id),
        { records: pending, autoForwardIds: true },
      );
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
