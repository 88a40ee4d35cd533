import type { FeedService } from "../feed/feed.service";
import type { SettingsRepository } from "../marketplace/settings.repository";
import type { RouteRepository } from "../route/route.repository";
import type { StockRepository } from "../stock/stock.repository";
import { draftForward, type ForwardingService, type ForwardPlan, type ForwardTarget } from "./forwarding.service";
import type { SettleIntent } from "./intent";
import type { OfferRecord } from "./offer.model";
import type { OfferReconciler } from "./offer.reconciler";
import type { OfferRepository } from "./offer.repository";
import type { OfferChange } from "./offer.transition";

/**
 * Why offers are settled, which decides what else may now be forwarded.
 * `records`: the offers as the caller has just read them, after its change,
 * not read again. `flushOrder`: the order their events reach the feeds in (a
 * bulk call's: its items' order).
 */
export type Settling = {
  records?: readonly OfferRecord[];
  flushOrder?: (records: OfferRecord[]) => OfferRecord[];
} & (
  | {
      /** The offers' own change (a submit, a review, a withdrawal, a forward, one a crash left): those now ACTIVE may be forwarded. */
      cause: "offers";
      ids: readonly string[];
      /** Applied to each offer before it is re-evaluated (a status, a price); it may throw to refuse. */
      change?: (offer: OfferRecord) => OfferChange | null;
      /** Of `ids`, offers the caller has just inserted: written again only when the facts moved since their evaluation. */
      inserted?: ReadonlySet<string>;
    }
  | {
      /** A fact that `records` read changed (stock, a route, a gate). */
      cause: "facts";
      records: readonly OfferRecord[];
      /** Other offers that may now pass auto-forward routes' checks, only towards `onlyTo` when given (a route just opened). */
      candidates?: () => Promise<OfferRecord[]>;
      onlyTo?: string;
    }
);

/** The repositories whose documents carry settle intents, besides the offers'. */
export interface FactRepositories {
  offers: OfferRepository;
  stock: StockRepository;
  routes: RouteRepository;
  settings: SettingsRepository;
}

/**
 * The common tail of every exchange mutation, done before it returns:
 * re-evaluate the offers it touched and everything downstream of them,
 * forward what now qualifies, and make the resulting feed events durable.
 *
 * Crash safety: every change that this work follows from (a stock level, a
 * route, a marketplace's gate, an offer) writes a settle intent in the same
 * atomic update as the change itself, and the intent is cleared, by its id
 * (an offer's: on its `rev`), only once the work is done. So a crash at any
 * moment leaves either nothing to do or an intent; `OfferSweeper` (at start-up
 * and then periodically) redoes the work for every intent left behind. Redoing
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

  /** Re-evaluates the offers and everything downstream, forwards what now may be, and flushes their events. Returns the offers as written. */
  async settle(settling: Settling): Promise<Map<string, OfferRecord>> {
    const started = new Date();
    const own = settling.cause === "offers";
    const ids = own ? settling.ids : settling.records.map((o) => o._id);
    const written = own
      ? await this.reconciler.apply(ids, settling.change, settling.records, settling.inserted)
      : await this.reconciler.apply(ids, undefined, settling.records);
    // A new offer its evaluation left as inserted has nothing downstream to catch up:
    // only a concurrent forward could have made one, and that read the offer as it still is.
    const asGiven = new Map(settling.records?.map((r) => [r._id, r.rev]));
    const inserted = own ? settling.inserted : undefined;
    const roots = inserted ? ids.filter((id) => !(inserted.has(id) && written.get(id)?.rev === asGiven.get(id))) : ids;
    const downstream = roots.length > 0 ? await this.reconciler.refreshDownstream(roots, false) : new Map<string, OfferRecord>();
    // An offer whose intent predates this call (a crashed or still running writer's) is
    // caught up downstream above; its own auto-forwarding is tried here, before the intent closes.
    const leftover = [...written.values(), ...downstream.values()].filter((o) => o.settleAt && o.settleAt < started && !(own && written.has(o._id)));
    const candidates = own ? [...written.values()] : ((await settling.candidates?.()) ?? []);
    const forwarded = [
      ...(candidates.length ? await this.autoForward(candidates, own ? undefined : settling.onlyTo) : []),
      ...(leftover.length ? await this.autoForward(leftover) : []),
    ];
    const touched = [...written.values(), ...downstream.values(), ...forwarded];
    await this.feed.flush(settling.flushOrder ? settling.flushOrder(touched) : touched, { settled: true });
    return written;
  }

  /** New offers (drafts) as evaluated under the facts now, to insert; `knownStock`: levels by `stockKey` just read or written. */
  evaluateNew(drafts: readonly OfferRecord[], knownStock?: ReadonlyMap<string, number>): Promise<OfferRecord[]> {
    return this.reconciler.initialMany(drafts, knownStock);
  }

  /** New offers (evaluated, not yet inserted) as re-evaluating them now would leave them: see `OfferReconciler.nextStepMany`. */
  nextStep(records: readonly OfferRecord[], knownStock?: ReadonlyMap<string, number>): Promise<OfferRecord[]> {
    return this.reconciler.nextStepMany(records, knownStock);
  }

  /** A new offer: evaluated, inserted, then settled as its own change. Null when its key is taken (a concurrent insert). */
  async insert(draft: OfferRecord): Promise<OfferRecord | null> {
    const [initial] = await this.evaluateNew([draft]);
    if (!(await this.facts.offers.insert(initial!))) return null;
    // Facts read before the insert may have moved since; a writer that moved
    // them could not yet see this offer, so it is evaluated once more now.
    const settled = await this.settle({ cause: "offers", ids: [initial!._id] });
    return settled.get(initial!._id) ?? initial!;
  }

  /** `forwardOffer` once its checks passed: the forward created (or reopened when withdrawn), then settled. */
  async forward(plan: ForwardPlan): Promise<OfferRecord> {
    const forwarded = await this.forwardOnce(plan);
    const written = await this.settle({ cause: "offers", ids: [forwarded._id] });
    return written.get(forwarded._id) ?? forwarded;
  }

  private async forwardOnce({ existing, ...target }: ForwardPlan): Promise<OfferRecord> {
    if (!existing) return this.createForward(target);
    if (existing.status !== "WITHDRAWN") return existing;
    const reopened = await this.reconciler.apply([existing._id], (o) =>
      o.status === "WITHDRAWN" ? { status: target.target.autoApprove ? "ACTIVE" : "PENDING" } : null,
    );
    return reopened.get(existing._id)!;
  }

  /** Creates the forward (or returns the one a concurrent call created). */
  private async createForward(forward: ForwardTarget): Promise<OfferRecord> {
    const draft = draftForward(forward);
    const initial = await this.reconciler.initial(draft);
    if (!(await this.facts.offers.insert(initial))) {
      const [existing] = await this.facts.offers.findByKeys([draft.key]);
      // Its creator's intent (its evaluation after the insert) is not this caller's to close.
      const { settleAt: _theirs, ...rest } = existing!;
      return rest;
    }
    // Evaluated once more, as in `insert`.
    return (await this.reconciler.apply([initial._id])).get(initial._id) ?? initial;
  }

  /**
   * Forwards every ACTIVE offer in `candidates` wherever auto-forward routes
   * let it (only to `onlyTo` when given), then the new forwards onward, hop
   * by hop. Returns the forwards created.
   */
  private async autoForward(candidates: readonly OfferRecord[], onlyTo?: string): Promise<OfferRecord[]> {
    const created: OfferRecord[] = [];
    let frontier = candidates.filter((c) => c.status === "ACTIVE");
    let restrictTo = onlyTo;
    while (frontier.length > 0) {
      const targets = await this.forwarding.autoForwardable(frontier, restrictTo);
      const fresh = await Promise.all(targets.map((t) => this.createForward(t)));
      created.push(...fresh);
      frontier = fresh.filter((o) => o.status === "ACTIVE");
      restrictTo = undefined;
    }
    return created;
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
    await this.settle({ cause: "facts", records: affected, candidates: arrived ? () => offers.activeAt(ownerId, productId) : undefined });
    await stock.clearIntent(ownerId, productId, intent);
  }

  /** After a change of the route: the offers forwarded over it, and what it may now auto-forward. Closes the intent. */
  async settleRoute(fromId: string, toId: string, autoForward: boolean, intent: SettleIntent): Promise<void> {
    const { offers, routes } = this.facts;
    const overRoute = await offers.forwardedBy(fromId, toId);
    await this.settle({
      cause: "facts",
      records: overRoute,
      ...(autoForward ? { candidates: () => offers.activeAt(fromId), onlyTo: toId } : {}),
    });
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
      await this.settle({ cause: "facts", records: forwarded, candidates: requireStockToForward ? undefined : () => offers.activeAt(marketplaceId) });
    }
    await settings.clearIntent(marketplaceId, intent);
  }
}
