import { requireAdminOr } from "../../shared/auth";
import { NotAffiliatedError } from "../../shared/errors";
import type { Principal } from "../../shared/principal";
import { affiliationKey } from "../affiliation/affiliation.model";
import type { AffiliationRepository } from "../affiliation/affiliation.repository";
import { byItem, checkBulkRequest, checkEach, itemError, rounds, type BulkError, type BulkOutcome } from "../bulk/bulk";
import type { EntityDirectory } from "../directory/entity-directory";
import type { SettingsRepository } from "../marketplace/settings.repository";
import type { StockChange, StockBulk } from "../stock/stock.bulk";
import { stockKey } from "../stock/stock.model";
import type { StockRepository } from "../stock/stock.repository";
import { newIntent, type SettleIntent } from "./intent";
import type { OfferRecord } from "./offer.model";
import type { OfferPropagation } from "./offer.propagation";
import type { OfferChange } from "./offer.transition";
import type { OfferRepository } from "./offer.repository";
import { validatePriceAndCurrency, type OfferService } from "./offer.service";
import { draftSubmitted, resubmission, submittedKey, type SubmitOfferInput } from "./offer.submission";
import { toOfferView, type OfferView } from "./offer.view";

/** `quantity`: the seller's stock of the product to set after the offer (a CSV line's), or none. */
type Item = { index: number; input: SubmitOfferInput; quantity?: number | null };

const keyOf = submittedKey;

/**
 * `submitOffers`: each item checked and applied as `submitOffer` would, and
 * the whole call settled in one round of propagation, so that its database
 * statements do not grow with the items: every check reads all items' facts
 * in one query, new offers go in with one insert, and one `settle` re-evaluates,
 * forwards and flushes them all.
 */
export class OfferBulk {
  constructor(
    private readonly offers: OfferRepository,
    private readonly affiliations: AffiliationRepository,
    private readonly settings: SettingsRepository,
    private readonly propagation: OfferPropagation,
    private readonly directory: EntityDirectory,
    private readonly single: OfferService,
    private readonly stock: StockRepository,
    private readonly stockBulk: StockBulk,
  ) {}

  /** `submitOffers`. */
  async submitMany(principal: Principal | null, inputs: readonly SubmitOfferInput[]): Promise<BulkOutcome<OfferView>[]> {
    return (await this.submitLines(principal, inputs)).outcomes;
  }

  /**
   * `submitMany` with, for each item, the seller's stock of its product to
   * set after it, or null (a CSV import's lines). A new offer's level is
   * written here, before the offer goes in (see `stockFirst`). `levelsSet`:
   * the items whose level this left at their quantity; the caller sets the
   * others' with `StockBulk.setMany`.
   */
  async submitLines(
    principal: Principal | null,
    inputs: readonly SubmitOfferInput[],
    quantities?: readonly (number | null)[],
  ): Promise<{ outcomes: BulkOutcome<OfferView>[]; levelsSet: ReadonlySet<number> }> {
    checkBulkRequest(principal, inputs.length);
    const outcomes = new Map<number, BulkOutcome<OfferView>>();
    const levelsSet = new Set<number>();
    // Two items for one offer run one after the other, as two calls would.
    for (const round of rounds(inputs.map((input, index) => ({ index, input, quantity: quantities?.[index] ?? null })), (i) => keyOf(i.input))) {
      const done = await this.submitRound(principal, round);
      for (const outcome of done.outcomes) outcomes.set(outcome.index, outcome);
      for (const index of done.levelsSet) levelsSet.add(index);
    }
    return { outcomes: inputs.map((_, index) => outcomes.get(index)!), levelsSet };
  }

  /** Items for distinct offers. */
  private async submitRound(principal: Principal | null, items: readonly Item[]): Promise<{ outcomes: BulkOutcome<OfferView>[]; levelsSet: number[] }> {
    const failed = new Map<number, BulkError>();
    // The single call's checks, in its order: rights, ids, values, affiliation.
    const checked = await checkEach(items, failed, async ({ input }) => {
      requireAdminOr(principal, { kind: "SELLER", id: input.sellerId });
      await Promise.all([
        this.directory.require("Seller", input.sellerId),
        this.directory.require("Marketplace", input.marketplaceId),
        this.directory.require("Product", input.productId),
      ]);
      validatePriceAndCurrency(input.price, input.currency);
    });
    const affiliated = await this.affiliations.existing(checked.map((c) => c.input));
    const valid = checked.filter(({ index, input }) => {
      if (affiliated.has(affiliationKey(input.sellerId, input.marketplaceId))) return true;
      failed.set(
        index,
        itemError(
          new NotAffiliatedError(`Seller ${input.sellerId} is not affiliated with marketplace ${input.marketplaceId}`, {
            sellerId: input.sellerId,
            marketplaceId: input.marketplaceId,
          }),
        ),
      );
      return false;
    });

    const [settings, existing] = await Promise.all([
      this.settings.getMany([...new Set(valid.map((v) => v.input.marketplaceId))]),
      this.offers.findByKeys(valid.map((v) => keyOf(v.input))),
    ]);
    const byKey = new Map(existing.map((o) => [o.key, o]));
    const autoApprove = (i: SubmitOfferInput) => settings.get(i.marketplaceId)!.autoApprove;

    // New offers: evaluated and inserted together.
    const fresh = valid.filter((v) => !byKey.has(keyOf(v.input)));
    // Their lines' stock levels as they are, read before the offers are evaluated on them.
    const levels = fresh.some((f) => f.quantity != null)
      ? await this.stock.getMany(fresh.filter((f) => f.quantity != null).map((f) => ({ ownerId: f.input.sellerId, productId: f.input.productId })))
      : null;
    let initials = await this.propagation.evaluateNew(
      fresh.map(({ input }) => draftSubmitted(input, autoApprove(input))),
      levels ? new Map([...levels].map(([key, level]) => [key, level.quantity])) : undefined,
    );
    let stockChanges: StockChange[] = [];
    let levelsSet: number[] = [];
    const stockIntent = newIntent();
    if (levels) ({ initials, changes: stockChanges, levelsSet } = await this.stockFirst(fresh, initials, levels, stockIntent));
    const inserted = await this.offers.insertMany(initials);
    const initialOf = new Map(fresh.map((f, i) => [f.index, initials[i]!]));

    // What settles: each item's offer, in input order, with the item's change (none for a new one).
    const settling: { index: number; record: OfferRecord }[] = [];
    const changes = new Map<string, (o: OfferRecord) => OfferChange | null>();
    const unchanged = new Map<number, OfferRecord>();
    const raced: Item[] = [];
    for (const v of valid) {
      const current = byKey.get(keyOf(v.input));
      if (current) {
        const change = resubmission(v.input, autoApprove(v.input));
        if (change(current) === null) unchanged.set(v.index, current);
        else {
          changes.set(current._id, change);
          settling.push({ index: v.index, record: current });
        }
        continue;
      }
      const initial = initialOf.get(v.index)!;
      if (inserted.has(initial._id)) settling.push({ index: v.index, record: initial });
      else raced.push(v); // a concurrent submit created it first: update that one, as the single call does
    }
    const itemOfOffer = new Map(settling.map((s) => [s.record._id, s.index]));
    const written = settling.length
      ? await this.propagation.settle({
          cause: "offers",
          ids: settling.map((s) => s.record._id),
          records: settling.map((s) => s.record),
          change: (o) => changes.get(o._id)?.(o) ?? null,
          inserted,
          flushOrder: byItem((o) => itemOfOffer.get(o._id)),
        })
      : new Map<string, OfferRecord>();
    // The other offers that read the levels written (the seller's at other marketplaces, say), as `setStocks` settles them.
    await this.stockBulk.afterChanges(stockChanges, stockIntent, inserted);

    const outcomes: BulkOutcome<OfferView>[] = [];
    for (const [index, error] of failed) outcomes.push({ index, error });
    for (const [index, value] of unchanged) outcomes.push({ index, value: toOfferView(value) });
    for (const s of settling) outcomes.push({ index: s.index, value: toOfferView(written.get(s.record._id) ?? s.record) });
    for (const r of raced) {
      try {
        outcomes.push({ index: r.index, value: await this.single.submit(principal, r.input) });
      } catch (error) {
        outcomes.push({ index: r.index, error: itemError(error) });
      }
    }
    return { outcomes, levelsSet };
  }

  /**
   * A CSV line applies `submitOffer` then `setStock`. For a new offer both
   * steps are folded into its insert: the level is written first (a
   * compare-and-set on the version read before the offer was evaluated),
   * then the offer goes in as the stock step leaves it, with the version
   * and events of both steps. Each level differs, and on the embedded
   * server a write to the offers per distinct quantity would cost a
   * statement each over the whole collection; the insert is one. A level
   * that moved meanwhile, or that two items share, is left to `setStocks`.
   * `levelsSet`: the items whose level is at their quantity, written here or
   * found so.
   */
  private async stockFirst(
    fresh: readonly Item[],
    initials: OfferRecord[],
    levels: Map<string, { ownerId: string; productId: string; quantity: number; version: number }>,
    intent: SettleIntent,
  ): Promise<{ initials: OfferRecord[]; changes: StockChange[]; levelsSet: number[] }> {
    const seen = new Set<string>();
    const folding: { at: number; key: string; quantity: number; before: number; version: number }[] = [];
    const already: number[] = [];
    fresh.forEach((f, at) => {
      if (f.quantity == null) return;
      const key = stockKey(f.input.sellerId, f.input.productId);
      const level = levels.get(key)!;
      if (seen.has(key)) return;
      seen.add(key);
      if (level.quantity !== f.quantity) folding.push({ at, key, quantity: f.quantity, before: level.quantity, version: level.version });
      else already.push(f.index);
    });
    if (folding.length === 0) return { initials, changes: [], levelsSet: already };
    const won = await this.stock.compareAndSetMany(
      folding.map((w) => ({ ownerId: fresh[w.at]!.input.sellerId, productId: fresh[w.at]!.input.productId, quantity: w.quantity, version: w.version })),
      intent,
    );
    const wins = folding.filter((w) => won.has(w.key));
    // The levels just written are the facts the offers' next step reads.
    const stepped = await this.propagation.nextStep(
      wins.map((w) => initials[w.at]!),
      new Map(wins.map((w) => [w.key, w.quantity])),
    );
    const next = [...initials];
    wins.forEach((w, i) => (next[w.at] = stepped[i]!));
    return {
      initials: next,
      changes: wins.map((w) => ({ ownerId: fresh[w.at]!.input.sellerId, productId: fresh[w.at]!.input.productId, before: w.before, after: w.quantity })),
      levelsSet: [...already, ...wins.map((w) => fresh[w.at]!.index)],
    };
  }
}
