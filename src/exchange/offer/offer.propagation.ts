import type { FeedService } from "../feed/feed.service";
import type { ForwardingService } from "./forwarding.service";
import type { OfferRecord } from "./offer.model";
import type { OfferChange, OfferReconciler } from "./offer.reconciler";

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
}

/**
 * The common tail of every exchange mutation, done before it returns:
 * re-evaluate the offers it touched and everything downstream of them,
 * forward what now qualifies, and make the resulting feed events durable.
 */
export class OfferPropagation {
  constructor(
    private readonly reconciler: OfferReconciler,
    private readonly forwarding: ForwardingService,
    private readonly feed: FeedService,
  ) {}

  async settle(ids: readonly string[], options: SettleOptions = {}): Promise<Map<string, OfferRecord>> {
    const written = await this.reconciler.apply(ids, options.change, options.records);
    const downstream = await this.reconciler.refreshDownstream(ids, false);
    const candidates = [
      ...(options.autoForwardIds ? written.values() : []),
      ...((await options.autoForwardCandidates?.()) ?? []),
    ];
    const forwarded = candidates.length ? await this.forwarding.autoForward(candidates, options.autoForwardOnlyTo) : [];
    await this.feed.flush([...written.values(), ...downstream.values(), ...forwarded]);
    return written;
  }
}
