import type { EventBus } from "../../shared/bus";
import { BadUserInputError } from "../../shared/errors";
import type { EntityDirectory } from "../directory/entity-directory";
import type { OfferRecord } from "./offer.model";
import { toOfferView, type OfferView } from "./offer.view";

export interface OfferUpdatesFilter {
  productId?: string | null;
  marketplaceId?: string | null;
}

/** An offer as it came over the bus: from another process its dates are strings. */
function fromBus(raw: Record<string, unknown>): OfferView {
  const offer = raw as unknown as OfferView;
  return { ...offer, createdAt: new Date(offer.createdAt), updatedAt: new Date(offer.updatedAt) };
}

/** One `offerUpdates` subscription: its filter, the offers waiting for it (latest state per offer), and the last version it sent of each. */
class Watcher {
  readonly waiting = new Map<string, OfferView>();
  private readonly sent = new Map<string, number>();
  private wake: (() => void) | null = null;
  closed = false;

  constructor(readonly filter: OfferUpdatesFilter) {}

  matches(offer: OfferView): boolean {
    return (
      (this.filter.productId == null || offer.productId === this.filter.productId) &&
      (this.filter.marketplaceId == null || offer.marketplaceId === this.filter.marketplaceId)
    );
  }

  /** Keeps only an offer's newest version: a client that reads slowly skips states, never gets one older than it has seen. */
  push(offer: OfferView): void {
    const newest = Math.max(this.sent.get(offer.id) ?? 0, this.waiting.get(offer.id)?.version ?? 0);
    if (offer.version <= newest) return;
    this.waiting.set(offer.id, offer);
    this.notify();
  }

  take(): OfferView | undefined {
    const next = this.waiting.values().next();
    if (next.done) return undefined;
    this.waiting.delete(next.value.id);
    this.sent.set(next.value.id, next.value.version);
    return next.value;
  }

  notify(): void {
    this.wake?.();
    this.wake = null;
  }

  waitForNotify(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
}

/**
 * `offerUpdates`: every write that raises an offer's `version` (or creates
 * one) is announced on the bus with the offer as written, and each process
 * hands it to its own subscriptions whose filter it matches. Live only and
 * best effort, as the contract says: nothing is stored, and a subscriber
 * that reads slowly holds one state per offer, the newest.
 */
export class OfferUpdates {
  private readonly watchers = new Set<Watcher>();
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly bus: Pick<EventBus, "announceOffers" | "onOffers">,
    private readonly directory: Pick<EntityDirectory, "require">,
  ) {}

  /** Offers just written with a new version: to every process's subscribers. */
  announce(records: readonly OfferRecord[]): void {
    if (records.length > 0) this.bus.announceOffers(records.map(toOfferView));
  }

  private deliver(raw: readonly Record<string, unknown>[]): void {
    for (const r of raw) {
      const offer = fromBus(r);
      for (const w of this.watchers) if (w.matches(offer)) w.push(offer);
    }
  }

  /** At least one argument (BAD_USER_INPUT), each an existing product / marketplace (NOT_FOUND). Public: no key needed. */
  async stream(filter: OfferUpdatesFilter): Promise<AsyncIterableIterator<OfferView>> {
    if (filter.productId == null && filter.marketplaceId == null) {
      throw new BadUserInputError("offerUpdates needs productId, marketplaceId or both");
    }
    await Promise.all([
      filter.productId != null ? this.directory.require("Product", filter.productId) : undefined,
      filter.marketplaceId != null ? this.directory.require("Marketplace", filter.marketplaceId) : undefined,
    ]);
    const watcher = new Watcher({ productId: filter.productId, marketplaceId: filter.marketplaceId });
    this.watchers.add(watcher);
    this.stopListening ??= this.bus.onOffers((offers) => this.deliver(offers));
    const done = { value: undefined, done: true } as const;
    const close = () => {
      if (watcher.closed) return;
      watcher.closed = true;
      this.watchers.delete(watcher);
      if (this.watchers.size === 0) {
        this.stopListening?.();
        this.stopListening = null;
      }
      watcher.notify();
    };
    // Not an async generator: `return()` must end it at once, even while it waits for the next offer.
    const iterator: AsyncIterableIterator<OfferView> = {
      next: async () => {
        for (;;) {
          if (watcher.closed) return done;
          const offer = watcher.take();
          if (offer) return { value: offer, done: false };
          await watcher.waitForNotify();
        }
      },
      return: async () => {
        close();
        return done;
      },
      throw: async (error: unknown) => {
        close();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return iterator;
  }

  /** Subscriptions open in this process. */
  get subscribers(): number {
    return this.watchers.size;
  }
}
