import { requireAdminOr } from "../../shared/auth";
import { NotAffiliatedError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import type { Principal } from "../../shared/principal";
import { affiliationKey } from "../affiliation/affiliation.model";
import type { AffiliationRepository } from "../affiliation/affiliation.repository";
import { byItem, checkBulkRequest, checkEach, itemError, rounds, type BulkError, type BulkOutcome } from "../bulk/bulk";
import type { EntityDirectory } from "../directory/entity-directory";
import type { SettingsRepository } from "../marketplace/settings.repository";
import { directOfferKey, draftOffer, type OfferRecord } from "./offer.model";
import type { OfferPropagation } from "./offer.propagation";
import type { OfferChange, OfferReconciler } from "./offer.reconciler";
import type { OfferRepository } from "./offer.repository";
import { validatePriceAndCurrency, type OfferService, type SubmitOfferInput } from "./offer.service";

type Item = { index: number; input: SubmitOfferInput };

const keyOf = (i: SubmitOfferInput) => directOfferKey(i.sellerId, i.marketplaceId, i.productId);

/** What resubmitting changes on an offer (as `OfferService.submit` does), or null when nothing. */
function resubmission(input: SubmitOfferInput, autoApprove: boolean) {
  return (o: OfferRecord): OfferChange | null => {
    const reopen = o.status === "WITHDRAWN";
    if (!reopen && o.price === input.price && o.currency === input.currency) return null;
    return {
      price: input.price,
      currency: input.currency,
      ...(reopen ? { status: autoApprove ? ("ACTIVE" as const) : ("PENDING" as const) } : {}),
    };
  };
}

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
    private readonly reconciler: OfferReconciler,
    private readonly propagation: OfferPropagation,
    private readonly directory: EntityDirectory,
    private readonly single: OfferService,
  ) {}

  async submitMany(principal: Principal | null, inputs: readonly SubmitOfferInput[]): Promise<BulkOutcome<OfferRecord>[]> {
    checkBulkRequest(principal, inputs.length);
    const outcomes = new Map<number, BulkOutcome<OfferRecord>>();
    // Two items for one offer run one after the other, as two calls would.
    for (const round of rounds(inputs.map((input, index) => ({ index, input })), (i) => keyOf(i.input))) {
      for (const outcome of await this.submitRound(principal, round)) outcomes.set(outcome.index, outcome);
    }
    return inputs.map((_, index) => outcomes.get(index)!);
  }

  /** Items for distinct offers. */
  private async submitRound(principal: Principal | null, items: readonly Item[]): Promise<BulkOutcome<OfferRecord>[]> {
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
    const initials = await this.reconciler.initialMany(
      fresh.map(({ input }) =>
        draftOffer(newId("offer"), {
          key: keyOf(input),
          sellerId: input.sellerId,
          marketplaceId: input.marketplaceId,
          productId: input.productId,
          sourceId: null,
          viaId: null,
          path: [input.sellerId, input.marketplaceId],
          depth: 0,
          price: input.price,
          currency: input.currency,
          status: autoApprove(input) ? "ACTIVE" : "PENDING",
        }),
      ),
    );
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
      ? await this.propagation.settle(
          settling.map((s) => s.record._id),
          {
            records: settling.map((s) => s.record),
            change: (o) => changes.get(o._id)?.(o) ?? null,
            autoForwardIds: true,
            flushOrder: byItem((o) => itemOfOffer.get(o._id)),
          },
        )
      : new Map<string, OfferRecord>();

    const outcomes: BulkOutcome<OfferRecord>[] = [];
    for (const [index, error] of failed) outcomes.push({ index, error });
    for (const [index, value] of unchanged) outcomes.push({ index, value });
    for (const s of settling) outcomes.push({ index: s.index, value: written.get(s.record._id) ?? s.record });
    for (const r of raced) {
      try {
        outcomes.push({ index: r.index, value: await this.single.submit(principal, r.input) });
      } catch (error) {
        outcomes.push({ index: r.index, error: itemError(error) });
      }
    }
    return outcomes;
  }
}
