import { currentTraceparent } from "../../shared/tracing";
import { evaluateDirectOffer, evaluateForwardedOffer } from "../rules/availability";
import { feedEventFor, visibleChange, type VisibleState } from "../rules/feed-events";
import type { Availability, OfferEventType, OfferStatus } from "../rules/types";
import type { SettingsRepository } from "../marketplace/settings.repository";
import { routeKey } from "../route/route.model";
import type { Route, RouteRepository } from "../route/route.repository";
import { stockKey } from "../stock/stock.model";
import type { StockRepository } from "../stock/stock.repository";
import { unflushedOutbox, type OfferRecord, type OutboxEvent } from "./offer.model";
import type { OfferRepository, OfferWrite } from "./offer.repository";

/** What a mutation may change on an offer itself; the rest is derived. */
export interface OfferChange {
  status?: OfferStatus;
  price?: number;
  currency?: string;
}

/** The facts a set of offers is evaluated against, each read in one query. */
interface Facts {
  stock: Map<string, number>;
  routes: Map<string, Route>;
  requireStock: Map<string, boolean>;
  sources: Map<string, OfferRecord>;
}

const MAX_ATTEMPTS = 100;

/** The records of exactly `ids` among `records`, or null when some are missing. */
function given(records: readonly OfferRecord[] | undefined, ids: readonly string[]): OfferRecord[] | null {
  if (!records) return null;
  const byId = new Map(records.map((r) => [r._id, r]));
  const found = ids.map((id) => byId.get(id));
  return found.every((r) => r !== undefined) ? (found as OfferRecord[]) : null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const VISIBLE_FIELDS = [
  "status",
  "price",
  "currency",
  "available",
  "quantity",
  "unavailableReason",
] as const satisfies readonly (keyof VisibleState)[];

/** An offer's feed event, as its outbox keeps it (see `OutboxEvent`). */
const eventOf = (type: OfferEventType, after: VisibleState, occurredAt: Date): OutboxEvent => {
  const event: OutboxEvent = { type, available: after.available, quantity: after.quantity, unavailableReason: after.unavailableReason, occurredAt };
  // Stored only when traced: the same for every offer the one request changes, so shared writes stay shared.
  const traceparent = currentTraceparent();
  if (traceparent) event.traceparent = traceparent;
  return event;
};

const visible = (o: Pick<OfferRecord, keyof VisibleState>): VisibleState => ({
  status: o.status,
  price: o.price,
  currency: o.currency,
  available: o.available,
  quantity: o.quantity,
  unavailableReason: o.unavailableReason,
});

/**
 * Keeps every offer's derived state (availability, quantity, reason, and a
 * forwarded offer's price and currency, which are its source's) equal to what
 * the rules compute from the current facts.
 *
 * Every write is a compare-and-set on the offer's internal `rev`, and the
 * offer is read before its facts. A writer that changes a fact re-evaluates
 * the dependent offers after its change; so whichever evaluation writes last
 * read facts at least as new as every other's, and a slower one that read
 * older facts fails its compare-and-set and starts again. This holds on
 * MongoDB without transactions (and on the embedded server, whose
 * transactions do not detect conflicts).
 */
export class OfferReconciler {
  constructor(
    private readonly offers: OfferRepository,
    private readonly stock: StockRepository,
    private readonly routes: RouteRepository,
    private readonly settings: SettingsRepository,
  ) {}

  private async loadFacts(records: readonly OfferRecord[]): Promise<Facts> {
    const forwarded = records.filter((r) => r.depth > 0);
    const [stock, routes, settings, sources] = await Promise.all([
      this.stock.quantities(records.map((r) => stockKey(r.depth === 0 ? r.sellerId : r.viaId!, r.productId))),
      this.routes.getMany(forwarded.map((r) => routeKey(r.viaId!, r.marketplaceId))),
      this.settings.getMany(forwarded.map((r) => r.viaId!)),
      this.offers.findByIds(forwarded.map((r) => r.sourceId!)),
    ]);
    return {
      stock,
      routes,
      requireStock: new Map([...settings].map(([id, s]) => [id, s.requireStockToForward])),
      sources: new Map(sources.map((s) => [s._id, s])),
    };
  }

  /** The derived part of an offer (with `change` applied) under the given facts. */
  private derive(record: OfferRecord, facts: Facts): Availability & { price: number; currency: string } {
    if (record.depth === 0) {
      return {
        ...evaluateDirectOffer({
          status: record.status,
          sellerStock: facts.stock.get(stockKey(record.sellerId, record.productId)) ?? 0,
        }),
        price: record.price,
        currency: record.currency,
      };
    }
    const source = facts.sources.get(record.sourceId!);
    const route = facts.routes.get(routeKey(record.viaId!, record.marketplaceId)) ?? null;
    return {
      ...evaluateForwardedOffer({
        status: record.status,
        route,
        source: source ?? { available: false, quantity: 0, unavailableReason: "WITHDRAWN" },
        forwarder: {
          requireStockToForward: facts.requireStock.get(record.viaId!) ?? true,
          stock: facts.stock.get(stockKey(record.viaId!, record.productId)) ?? 0,
        },
      }),
      price: source?.price ?? record.price,
      currency: source?.currency ?? record.currency,
    };
  }

  /** What the offer shows under `facts`, with its own status, price and currency as given in `offer`. */
  private visibleUnder(offer: OfferRecord, facts: Facts): VisibleState {
    return { status: offer.status, ...this.derive(offer, facts) };
  }

  /**
   * The write that moves `current` to `next` (its status, price and currency
   * as changed) under `facts`, with its feed event, and the offer as it will
   * be. The write holds only what changed, as values the same for every
   * offer given the same change (counters are increments, the event carries
   * no number and no price of its own), so that offers changed alike share
   * one update.
   */
  private plan(
    current: OfferRecord,
    next: OfferRecord,
    facts: Facts,
    now: Date,
  ): { write: Omit<OfferWrite, "id" | "rev">; result: OfferRecord; noop: boolean } {
    const after = this.visibleUnder(next, facts);
    const before = visible(current);
    const type = feedEventFor(before, after);
    const changed = visibleChange(before, after);
    const set: Partial<OfferRecord> = {};
    for (const key of VISIBLE_FIELDS) if (after[key] !== current[key]) Object.assign(set, { [key]: after[key] });
    let waiting = unflushedOutbox(current);
    // Events still waiting keep the price they were raised at.
    if (set.price !== undefined) waiting = waiting.map((e) => (e.price === undefined ? { ...e, price: current.price } : e));
    const events: OutboxEvent[] = type ? [eventOf(type, after, now)] : [];
    set.outbox = [...waiting, ...events];
    set.hasPending = set.outbox.length > 0;
    if (changed) set.updatedAt = now;
    // What this offer shows feeds the offers forwarded from it: the intent to catch them up is
    // durable with the change (an older one still waiting is kept: it is swept first).
    if (changed && !current.settleAt) set.settleAt = now;
    const inc: OfferWrite["inc"] = {};
    if (changed) inc.version = 1;
    if (events.length > 0) inc.eventCount = events.length;
    const result: OfferRecord = {
      ...current,
      ...set,
      rev: current.rev + 1,
      version: current.version + (inc.version ?? 0),
      eventCount: current.eventCount + (inc.eventCount ?? 0),
    };
    // Nothing shown changes, no event, and the outbox keeps what it holds: the write would only move `rev`.
    const noop = !changed && events.length === 0 && waiting.length === current.outbox.length && set.hasPending === current.hasPending;
    return { write: { set, inc }, result, noop };
  }

  /** A new offer's initial derived state and events, to insert with it. */
  async initial(record: OfferRecord): Promise<OfferRecord> {
    return (await this.initialMany([record]))[0]!;
  }

  /** `initial` for many new offers, their facts read once. */
  async initialMany(records: readonly OfferRecord[]): Promise<OfferRecord[]> {
    if (records.length === 0) return [];
    const facts = await this.loadFacts(records);
    return records.map((record) => {
      const after = this.visibleUnder(record, facts);
      const type = feedEventFor(null, after);
      const outbox = type ? [eventOf(type, after, record.createdAt)] : [];
      // A new offer is evaluated again once inserted (facts may move meanwhile) and may be auto-forwarded: both wait on this.
      return { ...record, ...after, eventCount: outbox.length, outbox, hasPending: outbox.length > 0, settleAt: record.createdAt };
    });
  }

  /**
   * Each new offer (not yet inserted) as re-evaluating it under the facts now
   * would leave it: its next step, planned in memory and written by its
   * insert, with the version and events that a write of that step would give.
   */
  async nextStepMany(records: readonly OfferRecord[]): Promise<OfferRecord[]> {
    if (records.length === 0) return [];
    const facts = await this.loadFacts(records);
    const now = new Date();
    return records.map((r) => ({ ...this.plan(r, r, facts, now).result, rev: r.rev }));
  }

  /**
   * Re-evaluates the given offers against fresh facts, applying `change` to
   * each (re-derived from the fresh record on every attempt; it may throw to
   * refuse). Returns the offers as written. `fresh`: these offers as the
   * caller has just read them, after the change of facts it is applying, to
   * start from without reading them again. `inserted`: offers the caller has
   * just inserted, evaluated on facts read before their insert; one whose
   * evaluation now changes nothing is not written. That is safe because
   * every change of facts after the insert is made by a writer that finds
   * the offer and evaluates it itself.
   */
  async apply(
    ids: readonly string[],
    change?: (offer: OfferRecord) => OfferChange | null,
    fresh?: readonly OfferRecord[],
    inserted?: ReadonlySet<string>,
  ): Promise<Map<string, OfferRecord>> {
    const written = new Map<string, OfferRecord>();
    let pending = [...new Set(ids)];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === MAX_ATTEMPTS) throw new Error(`offer re-evaluation did not settle for ${pending.length} offers`);
      const records = (attempt === 0 && given(fresh, pending)) || (await this.offers.findByIds(pending));
      const nexts = records.map((r) => ({ ...r, ...(change?.(r) ?? {}) }));
      const facts = await this.loadFacts(nexts);
      const now = new Date();
      const writes: (OfferWrite & { result: OfferRecord })[] = [];
      records.forEach((current, i) => {
        const { write, result, noop } = this.plan(current, nexts[i]!, facts, now);
        if (noop && inserted?.has(current._id)) written.set(current._id, current);
        else writes.push({ id: current._id, rev: current.rev, ...write, result });
      });
      const won = await this.offers.compareAndSet(writes);
      for (const w of writes) if (won.has(w.id)) written.set(w.id, w.result);
      pending = writes.filter((w) => !won.has(w.id)).map((w) => w.id);
      // Lost to a concurrent writer: step back a little, at random, so that
      // writers contending for the same offers do not keep colliding.
      if (pending.length > 0) await sleep(Math.random() * Math.min(50, 2 ** attempt));
    }
    return written;
  }

  /**
   * Re-evaluates the offers forwarded from `rootIds`, level by level down the
   * chains (each level after the one it reads from has been written), plus
   * the roots themselves when asked. Returns every offer written.
   */
  async refreshDownstream(rootIds: readonly string[], includeRoots: boolean): Promise<Map<string, OfferRecord>> {
    const written = new Map<string, OfferRecord>();
    let level = includeRoots ? [...rootIds] : (await this.offers.childrenOf(rootIds)).map((o) => o._id);
    while (level.length > 0) {
      const done = await this.apply(level);
      for (const [id, o] of done) written.set(id, o);
      level = (await this.offers.childrenOf(level)).map((o) => o._id);
    }
    return written;
  }
}
