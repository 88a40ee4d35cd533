import { currentTraceparent } from "../../shared/tracing";
import type { SettingsRepository } from "../marketplace/settings.repository";
import type { RouteRepository } from "../route/route.repository";
import type { StockRepository } from "../stock/stock.repository";
import type { OfferRecord } from "./offer.model";
import type { OfferRepository, OfferWrite } from "./offer.repository";
import { factKeys, initialState, transition, type OfferChange, type OfferFacts } from "./offer.transition";

const MAX_ATTEMPTS = 100;

/** The records of exactly `ids` among `records`, or null when some are missing. */
function given(records: readonly OfferRecord[] | undefined, ids: readonly string[]): OfferRecord[] | null {
  if (!records) return null;
  const byId = new Map(records.map((r) => [r._id, r]));
  const found = ids.map((id) => byId.get(id));
  return found.every((r) => r !== undefined) ? (found as OfferRecord[]) : null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps every offer's derived state (availability, quantity, reason, and a
 * forwarded offer's price and currency, which are its source's) equal to what
 * the rules compute from the current facts: the I/O around
 * `offer.transition.ts`, which loads the facts and writes each step. Only
 * `OfferPropagation` drives it.
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

  /**
   * The facts `records` read, each kind in one query, with the request's
   * trace context. `knownStock`: levels by `stockKey` that the caller has
   * just read or written itself, which stand for reading them now.
   */
  private async loadFacts(records: readonly OfferRecord[], knownStock?: ReadonlyMap<string, number>): Promise<OfferFacts> {
    const keys = factKeys(records);
    const unknown = knownStock ? keys.stock.filter((k) => !knownStock.has(k)) : keys.stock;
    const [read, routes, settings, sources] = await Promise.all([
      unknown.length ? this.stock.quantities(unknown) : new Map<string, number>(),
      this.routes.getMany(keys.routes),
      this.settings.getMany(keys.forwarders),
      this.offers.findByIds(keys.sources),
    ]);
    const stock = knownStock ? new Map([...knownStock, ...read]) : read;
    return {
      stock,
      routes,
      requireStock: new Map([...settings].map(([id, s]) => [id, s.requireStockToForward])),
      sources: new Map(sources.map((s) => [s._id, s])),
      traceparent: currentTraceparent(),
    };
  }

  /** A new offer's initial derived state and events, to insert with it. */
  async initial(record: OfferRecord): Promise<OfferRecord> {
    return (await this.initialMany([record]))[0]!;
  }

  /** `initial` for many new offers, their facts read once (see `loadFacts` for `knownStock`). */
  async initialMany(records: readonly OfferRecord[], knownStock?: ReadonlyMap<string, number>): Promise<OfferRecord[]> {
    if (records.length === 0) return [];
    const facts = await this.loadFacts(records, knownStock);
    return records.map((record) => initialState(record, facts));
  }

  /**
   * Each new offer (not yet inserted) as re-evaluating it under the facts now
   * would leave it: its next step, planned in memory and written by its
   * insert, with the version and events that a write of that step would give
   * (see `loadFacts` for `knownStock`).
   */
  async nextStepMany(records: readonly OfferRecord[], knownStock?: ReadonlyMap<string, number>): Promise<OfferRecord[]> {
    if (records.length === 0) return [];
    const facts = await this.loadFacts(records, knownStock);
    const now = new Date();
    return records.map((r) => ({ ...transition(r, r, facts, now).result, rev: r.rev }));
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
        const { write, result, noop } = transition(current, nexts[i]!, facts, now);
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
