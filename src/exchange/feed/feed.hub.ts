import { randomUUID } from "node:crypto";
import type { EventBus } from "../../shared/bus";
import { groupBy } from "../../shared/group-by";
import { feedDeliveryLag, feedHandovers, feedLogReads, feedQueueOverflows, feedSubscribers } from "../../shared/feed-metrics";
import { logger } from "../../shared/logger";
import { BoundedQueue } from "../../shared/bounded-queue";
import type { FeedEventRecord } from "./feed.model";

/** What the hub reads: the durable log (FeedRepository). */
export interface FeedLog {
  after(marketplaceId: string, afterSeq: number, limit: number): Promise<FeedEventRecord[]>;
  /** Up to `limit` events in all, after each feed's position, in feed order within each feed. */
  afterEach(positions: readonly { marketplaceId: string; afterSeq: number }[], limit: number): Promise<FeedEventRecord[]>;
  latestSeq(marketplaceId: string): Promise<number>;
}

export interface FeedHubOptions {
  /** Events per log read. */
  batch?: number;
  /** Events one live subscriber may have waiting before it is sent back to reading the log itself. */
  maxQueue?: number;
  /** A safety net for a lost doorbell (Redis restarting, or replicas without Redis): read at least this often. */
  pollMs?: number;
}

export interface FeedHubStats {
  /** Marketplaces with at least one subscriber in this process. */
  channels: number;
  subscribers: number;
  /** Subscribers fed by the hub (the rest are catching up on their own). */
  live: number;
  /** The longest queue of events waiting for a live subscriber (never above maxQueue). */
  maxQueued: number;
  /** Log reads made by the hub for its live subscribers, and by subscribers catching up. */
  hubReads: number;
  catchUpReads: number;
  /** Times a subscriber's queue overflowed and it went back to reading the log itself. */
  overflows: number;
  /** Batches of events appended by this process that its live subscribers got without a read. */
  handedOver: number;
}

type HubCounter = "hubReads" | "catchUpReads" | "overflows" | "handedOver";

/** The process-wide metric each of a hub's counters also moves (hubs of several exchanges in one process add up there). */
const METRICS: Record<HubCounter, () => void> = {
  hubReads: () => feedLogReads.inc({ reader: "hub" }),
  catchUpReads: () => feedLogReads.inc({ reader: "catch_up" }),
  overflows: () => feedQueueOverflows.inc(),
  handedOver: () => feedHandovers.inc(),
};

/** One subscriber: its position, and the events the hub has handed it but it has not taken yet. */
class Subscriber {
  /** The events the channel handed it while live, waiting to be taken; a new one each time it joins. */
  queue = new BoundedQueue<FeedEventRecord>({ max: 0 });
  live = false;
  /** The seq of the last event queued. */
  private queued = 0;

  constructor(
    /** The seq of the last event taken (or the start position). */
    public cursor: number,
  ) {}

  /** The seq of the last event taken or queued: nothing at or below it is queued again. */
  get tail(): number {
    return this.queue.size > 0 ? this.queued : this.cursor;
  }

  /** Queues `row`; false when the queue is full (the subscriber is too far behind). */
  push(row: FeedEventRecord): boolean {
    if (!this.queue.push(row)) return false;
    this.queued = row.seq;
    return true;
  }
}

/**
 * One marketplace's live subscribers in this process. `head` is the seq up to
 * which the hub has read the log and handed every event to every live
 * subscriber; it reads after `head` once per ring (rings that arrive during a
 * read are folded into one more read), whatever the number of subscribers.
 */
class Channel {
  head = 0;
  readonly live = new Set<Subscriber>();
  subscribers = 0;
  private reading = false;
  private again = false;
  private lastReadAt = Date.now();
  readonly ready: Promise<void>;
  private isReady = false;

  constructor(
    readonly marketplaceId: string,
    private readonly hub: FeedHub,
    private readonly log: FeedLog,
    private readonly options: Required<FeedHubOptions>,
  ) {
    // The bus listener is registered before this read, so any event above the
    // head read here is either read now or rung (or polled) later.
    this.ready = log.latestSeq(marketplaceId).then(
      (seq) => {
        this.head = seq;
        this.isReady = true;
        if (this.again) this.ring();
      },
      (error: unknown) => {
        // Its subscribers fail; the next subscriber starts a fresh channel.
        hub.forget(this);
        throw error;
      },
    );
    this.ready.catch(() => undefined);
  }

  /** Unread for `idleMs` or more: the hub's poll rings it. */
  quietFor(idleMs: number): boolean {
    return Date.now() - this.lastReadAt >= idleMs;
  }

  ring(): void {
    if (!this.isReady || this.reading) {
      this.again = true;
      return;
    }
    this.hub.schedule(this);
  }

  /**
   * Events this process has just appended to the log (in feed order): taken
   * at once when they follow the head with no gap, which saves the read a
   * ring costs. Otherwise (a read under way, the channel starting, another
   * writer's events in between) this is a ring like any other.
   */
  offer(rows: readonly FeedEventRecord[]): void {
    const fresh = rows.filter((r) => r.seq > this.head);
    if (fresh.length === 0) return;
    const follows = fresh.every((r, i) => r.seq === this.head + 1 + i);
    if (!follows || !this.isReady || this.reading) return this.ring();
    this.hub.count("handedOver");
    this.take(fresh);
  }

  /** Reads taken by the hub for several channels at once: this one's begins. */
  startRead(): boolean {
    if (!this.isReady || this.reading) {
      this.again = true;
      return false;
    }
    this.reading = true;
    this.again = false;
    return true;
  }

  /** Hands what a read found to the live subscribers and moves the head. */
  take(rows: readonly FeedEventRecord[]): void {
    this.lastReadAt = Date.now();
    if (rows.length === 0) return;
    this.head = rows.at(-1)!.seq;
    for (const subscriber of [...this.live]) this.deliver(subscriber, rows);
  }

  /** This channel's read ends, after reading on alone when the shared read may have left events behind. */
  async endRead(readOn: boolean): Promise<void> {
    try {
      if (readOn) await this.readOn();
    } finally {
      this.reading = false;
    }
    if (this.again) this.ring();
  }

  /** Reads after the head until the log ends (the channel is already reading). */
  private async readOn(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.log.after(this.marketplaceId, this.head, this.options.batch);
        this.hub.count("hubReads");
        this.take(rows);
        if (rows.length < this.options.batch) break;
      }
    } catch (error) {
      this.failRead(error);
    }
  }

  /** A read failed: the poll tries again; the subscribers only wait. */
  failRead(error: unknown): void {
    this.lastReadAt = Date.now();
    logger.warn("feed read failed", { marketplaceId: this.marketplaceId, error: String(error) });
  }

  private deliver(subscriber: Subscriber, rows: readonly FeedEventRecord[]): void {
    for (const row of rows) {
      if (row.seq <= subscriber.tail || subscriber.push(row)) continue;
      // Too far behind to keep in memory: it reads the log from its cursor on its own (its wait ends now).
      subscriber.queue.clear();
      subscriber.queue.end();
      this.leave(subscriber);
      this.hub.count("overflows");
      return;
    }
  }

  /** Joins a subscriber that has read up to `head` (or beyond): from now on the hub feeds it. Synchronous, so no read slips between. */
  join(subscriber: Subscriber): void {
    subscriber.queue = new BoundedQueue({ max: this.options.maxQueue });
    subscriber.live = true;
    this.live.add(subscriber);
  }

  leave(subscriber: Subscriber): void {
    subscriber.live = false;
    this.live.delete(subscriber);
  }
}

/**
 * The exchange's per-process feed fan-out. Each marketplace with subscribers
 * here has one channel that reads the log once per doorbell ring and hands the
 * new events to every live subscriber, so the cost of an event is one read per
 * marketplace, not one per subscriber; and the channels rung together (one
 * mutation's events reach many marketplaces) are read in one query. A subscriber that starts behind the
 * channel (a replay) or falls behind it (its queue overflowed) reads the log
 * on its own from its cursor until it reaches the channel's head, then joins.
 * Replay and live come from the same log, so the seam has no gap and no
 * duplicate, and no subscriber's memory grows past `maxQueue` events.
 */
export class FeedHub {
  private readonly channels = new Map<string, Channel>();
  private readonly rung = new Set<Channel>();
  private readonly options: Required<FeedHubOptions>;
  private stopListening: (() => void) | null = null;
  private poll: NodeJS.Timeout | null = null;
  /** Names this hub on the bus: the rings of its own appends come with it and are skipped (see `appended`). */
  readonly origin = randomUUID();
  private readonly counters: Record<HubCounter, number> = { hubReads: 0, catchUpReads: 0, overflows: 0, handedOver: 0 };

  constructor(
    private readonly log: FeedLog,
    private readonly bus: Pick<EventBus, "onRing">,
    options: FeedHubOptions = {},
  ) {
    this.options = { batch: options.batch ?? 500, maxQueue: options.maxQueue ?? 1_000, pollMs: options.pollMs ?? 2_000 };
  }

  /** Counts for `stats()` and, process-wide, for `/metrics`. */
  count(counter: HubCounter): void {
    this.counters[counter]++;
    METRICS[counter]();
  }

  /** Reads this channel with the others rung in the same turn of the event loop. */
  schedule(channel: Channel): void {
    if (this.rung.size === 0) setImmediate(() => void this.readRung());
    this.rung.add(channel);
  }

  private async readRung(): Promise<void> {
    const channels = [...this.rung].filter((c) => this.channels.get(c.marketplaceId) === c && c.startRead());
    this.rung.clear();
    if (channels.length === 0) return;
    let rows: FeedEventRecord[];
    try {
      rows = await this.log.afterEach(
        channels.map((c) => ({ marketplaceId: c.marketplaceId, afterSeq: c.head })),
        this.options.batch,
      );
      this.count("hubReads");
    } catch (error) {
      for (const c of channels) {
        c.failRead(error);
        void c.endRead(false);
      }
      return;
    }
    const byFeed = groupBy(rows, (r) => r.marketplaceId);
    // A full read may have left events behind in any of them: those read on alone.
    const full = rows.length >= this.options.batch;
    for (const c of channels) {
      c.take(byFeed.get(c.marketplaceId) ?? []);
      void c.endRead(full);
    }
  }

  private acquire(marketplaceId: string): Channel {
    let channel = this.channels.get(marketplaceId);
    if (!channel) {
      this.stopListening ??= this.bus.onRing((id, origin) => {
        if (origin !== this.origin) this.channels.get(id)?.ring();
      });
      this.poll ??= this.startPoll();
      channel = new Channel(marketplaceId, this, this.log, this.options);
      this.channels.set(marketplaceId, channel);
    }
    channel.subscribers++;
    return channel;
  }

  /**
   * Events just appended to the log by this process, handed over directly:
   * each feed's live subscribers get them without a read of the log. The
   * ring that tells the other processes comes with this hub's `origin`, and
   * the hub skips it.
   */
  appended(rows: readonly FeedEventRecord[]): void {
    const byFeed = groupBy(rows, (r) => r.marketplaceId);
    for (const [marketplaceId, feedRows] of byFeed) {
      this.channels.get(marketplaceId)?.offer(feedRows.sort((a, b) => a.seq - b.seq));
    }
  }

  /**
   * The safety net for a lost ring: checked every quarter period; when a
   * feed has been unread for 3/4 of one (so never more than `pollMs` apart),
   * it is rung with every other feed unread for half that, and the feeds
   * rung together are read in one query. So the quiet feeds fall into step,
   * and a hub polls once per period however many feeds it serves.
   */
  private startPoll(): NodeJS.Timeout {
    const tick = Math.max(5, Math.floor(this.options.pollMs / 4));
    const due = this.options.pollMs - tick;
    const timer = setInterval(() => {
      const channels = [...this.channels.values()];
      if (!channels.some((c) => c.quietFor(due))) return;
      for (const c of channels) if (c.quietFor(due / 2)) c.ring();
    }, tick);
    timer.unref();
    return timer;
  }

  private release(channel: Channel): void {
    if (--channel.subscribers > 0) return;
    this.forget(channel);
  }

  /** Drops a channel (no subscribers left, or it could not start). */
  forget(channel: Channel): void {
    if (this.channels.get(channel.marketplaceId) === channel) this.channels.delete(channel.marketplaceId);
    if (this.channels.size === 0) this.stop();
  }

  /** No channel left: neither rings nor polls. */
  private stop(): void {
    this.stopListening?.();
    this.stopListening = null;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  /**
   * The events after `afterSeq`, in feed order, then every later one as it is
   * appended. It ends only when the consumer calls `return()`, which takes
   * effect at once, even while it waits for the next event (an async
   * generator would wait for that event first, and leak the subscriber).
   */
  stream(marketplaceId: string, afterSeq: number): AsyncIterableIterator<FeedEventRecord> {
    const channel = this.acquire(marketplaceId);
    const subscriber = new Subscriber(afterSeq);
    feedSubscribers.inc();
    let caughtUp: FeedEventRecord[] = [];
    let closed = false;
    const done = { value: undefined, done: true } as const;
    const close = () => {
      if (closed) return;
      closed = true;
      feedSubscribers.dec();
      channel.leave(subscriber);
      this.release(channel);
      void subscriber.queue.return();
    };
    const next = async (): Promise<IteratorResult<FeedEventRecord>> => {
      await channel.ready;
      for (;;) {
        if (closed) return done;
        let taken: FeedEventRecord | undefined;
        if (subscriber.live) {
          // Waits for the channel; ends when the queue overflowed (back to reading the log) or the stream closed.
          const step = await subscriber.queue.next();
          if (step.done) continue;
          taken = step.value;
        } else taken = caughtUp.shift();
        if (taken) {
          subscriber.cursor = taken.seq;
          const at = new Date(taken.occurredAt).getTime();
          if (Number.isFinite(at)) feedDeliveryLag.observe({ path: subscriber.live ? "live" : "catch_up" }, Math.max(0, Date.now() - at) / 1000);
          return { value: taken, done: false };
        }
        if (subscriber.cursor >= channel.head) {
          channel.join(subscriber);
        } else {
          const rows = await this.log.after(marketplaceId, subscriber.cursor, this.options.batch);
          this.count("catchUpReads");
          caughtUp = rows.filter((r) => r.seq > subscriber.cursor);
          // The channel's head is never past the log's end; should it be, waiting live loses nothing.
          if (caughtUp.length === 0) channel.join(subscriber);
        }
      }
    };
    return {
      next: () =>
        next().catch((error: unknown) => {
          close();
          throw error;
        }),
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
  }

  stats(): FeedHubStats {
    let subscribers = 0;
    let live = 0;
    let maxQueued = 0;
    for (const c of this.channels.values()) {
      subscribers += c.subscribers;
      live += c.live.size;
      for (const s of c.live) maxQueued = Math.max(maxQueued, s.queue.size);
    }
    return { channels: this.channels.size, subscribers, live, maxQueued, ...this.counters };
  }

  /** Stops the poll and stops listening for rings; streams still open end when their consumers stop. */
  close(): void {
    this.stop();
  }
}
