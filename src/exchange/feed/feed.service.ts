import { requireAdminOr } from "../../shared/auth";
import type { EventBus } from "../../shared/bus";
import { isLive } from "../../shared/live";
import { logger } from "../../shared/logger";
import { parsePageWith, toEdges, type Edges } from "../../shared/pagination";
import type { Principal } from "../../shared/principal";
import type { EntityDirectory } from "../directory/entity-directory";
import { pendingEvents, type OfferRecord } from "../offer/offer.model";
import type { OfferRepository } from "../offer/offer.repository";
import { decodeFeedCursor, encodeFeedCursor } from "./feed.cursor";
import { FeedHub, type FeedHubOptions, type FeedHubStats } from "./feed.hub";
import type { FeedEventRecord } from "./feed.model";
import type { FeedAppend, FeedRepository } from "./feed.repository";

export const MAX_FEED_PAGE = 1000;

const cursorOf = (e: FeedEventRecord) => encodeFeedCursor(e.marketplaceId, e.seq);

/**
 * Moves events from offers' outboxes into the marketplaces' durable feeds,
 * rings the bus for each feed that grew, and reads feeds back: in pages, or
 * as live streams fanned out by the hub.
 */
export class FeedService {
  private readonly hub: FeedHub;
  private readonly appendListeners = new Set<(records: readonly FeedEventRecord[], since: number) => void>();

  constructor(
    private readonly offers: OfferRepository,
    private readonly feed: FeedRepository,
    private readonly bus: EventBus,
    private readonly directory: Pick<EntityDirectory, "require">,
    hubOptions: FeedHubOptions = {},
  ) {
    this.hub = new FeedHub(feed, bus, hubOptions);
  }

  /**
   * Appends every event waiting in these offers' outboxes, in each offer's
   * order, in one batch, hands them to this process's live subscribers and
   * rings the bus for each feed that grew (for the other processes), then
   * clears the outboxes. Safe to run twice or concurrently: an event is
   * appended once. Given the same offer twice, its latest record (highest `rev`) is
   * the one read: its outbox holds every event of the earlier one not yet
   * flushed. `settled`: the caller has also caught up everything downstream
   * of these records, so their settle intents close with the bookkeeping
   * write (each only if its offer is still at the record's `rev`).
   */
  async flush(records: Iterable<OfferRecord>, options: { settled?: boolean } = {}): Promise<void> {
    const latest = new Map<string, OfferRecord>();
    for (const r of records) {
      const seen = latest.get(r._id);
      if (!seen || r.rev >= seen.rev) latest.set(r._id, r);
    }
    const appends: FeedAppend[] = [];
    const flushed: { offerId: string; eventNo: number; rev?: number }[] = [];
    for (const r of latest.values()) {
      const events = pendingEvents(r);
      const rev = options.settled && r.settleAt ? { rev: r.rev } : {};
      if (events.length > 0) {
        for (const event of events) appends.push({ marketplaceId: r.marketplaceId, offerId: r._id, event });
        flushed.push({ offerId: r._id, eventNo: events.at(-1)!.eventNo, ...rev });
      } else if (r.hasPending || "rev" in rev) {
        flushed.push({ offerId: r._id, eventNo: r.eventCount, ...rev });
      }
    }
    const since = performance.now();
    const appended = await this.feed.appendAll(appends);
    // This process's subscribers get the events at once; the other processes' hubs read them on the ring.
    this.hub.appended(appended);
    if (appended.length > 0) for (const listener of this.appendListeners) listener(appended, since);
    for (const marketplaceId of new Set(appended.map((a) => a.marketplaceId))) this.bus.ring(marketplaceId, this.hub.origin);
    // The deliveries to this process's subscribers run on promises (and end in one burst of
    // socket writes at the gateway): the bookkeeping write waits until they are out, so that
    // neither this process nor the database works on it while they are made.
    await new Promise((resolve) => setImmediate(resolve));
    await this.offers.markFlushed(flushed);
  }

  /** Appends what a crash left in outboxes. Runs at start-up and then periodically. */
  async sweep(batch = 200): Promise<number> {
    let total = 0;
    for (;;) {
      const pending = await this.offers.withPendingEvents(batch);
      if (pending.length === 0) return total;
      await this.flush(pending);
      total += pending.length;
      if (pending.length < batch) return total;
    }
  }

  /** Starts the periodic sweep; returns a function that stops it. */
  startSweeper(intervalMs = 2_000): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.sweep()
        .then((n) => n > 0 && logger.info("feed sweep appended pending events", { offers: n }))
        .catch((error: unknown) => logger.warn("feed sweep failed", { error: String(error) }))
        .finally(() => (running = false));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** That marketplace or an admin; for the admin, an id that is no marketplace is NOT_FOUND (a marketplace's key proves its own). */
  private async authorize(principal: Principal | null, marketplaceId: string): Promise<void> {
    requireAdminOr(principal, { kind: "MARKETPLACE", id: marketplaceId });
    if (principal?.kind === "ADMIN") await this.directory.require("Marketplace", marketplaceId);
  }

  /** `offerEvents`: the events after `after` (a cursor, "" or null: from the first), in feed order. */
  async page(
    principal: Principal | null,
    marketplaceId: string,
    args: { after?: string | null; first?: number | null },
  ): Promise<Edges<FeedEventRecord>> {
    await this.authorize(principal, marketplaceId);
    const page = parsePageWith(args, MAX_FEED_PAGE, 100, (cursor) => decodeFeedCursor(cursor, marketplaceId));
    const { edges, pageInfo } = toEdges(await this.feed.after(marketplaceId, page.afterKey ?? 0, page.first + 1), page, cursorOf);
    // An empty page ends where it began, so that a consumer polling with `endCursor` keeps its place.
    return { edges, pageInfo: { ...pageInfo, endCursor: pageInfo.endCursor ?? args.after ?? null } };
  }

  /**
   * `offerFeed`: the events after `after` (a cursor, or "" for the first),
   * then live ones; `after: null` is live only, from the end of the log now.
   */
  async stream(principal: Principal | null, marketplaceId: string, after: string | null | undefined): Promise<AsyncIterableIterator<FeedEventRecord>> {
    await this.authorize(principal, marketplaceId);
    const start = isLive(after) ? await this.feed.latestSeq(marketplaceId) : decodeFeedCursor(after, marketplaceId);
    return this.hub.stream(marketplaceId, start);
  }

  /** The origin of the rings this process's appends send. */
  get ringOrigin(): string {
    return this.hub.origin;
  }

  /**
   * Hands `listener` every batch of events this process appends, before its
   * rings, with a `performance.now()` taken before the append began.
   */
  onAppended(listener: (records: readonly FeedEventRecord[], since: number) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  hubStats(): FeedHubStats {
    return this.hub.stats();
  }

  /** Stops the hub's polls (streams still open end when their consumers stop). */
  close(): void {
    this.hub.close();
  }
}

