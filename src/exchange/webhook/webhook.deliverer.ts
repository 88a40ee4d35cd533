import { randomUUID } from "node:crypto";
import type { EventBus } from "../../shared/bus";
import { groupBy } from "../../shared/group-by";
import { logger } from "../../shared/logger";
import { contextOf, detached, inSpan, linkTo, SpanKind } from "../../shared/tracing";
import { webhookDeliveries, webhookDeliveryLatency, webhooksHeld, webhookStatsSources } from "../../shared/webhook-metrics";
import type { FeedEventRecord } from "../feed/feed.model";
import { buildDelivery, backoffMs, MAX_EVENTS_PER_DELIVERY, postDelivery, type AttemptResult } from "./webhook.http";
import type { PendingDelivery, WebhookRecord } from "./webhook.model";
import type { WebhookRepository } from "./webhook.repository";

/** What the deliverer reads of the feed log (FeedRepository). */
export interface WebhookFeedLog {
  after(marketplaceId: string, afterSeq: number, limit: number): Promise<FeedEventRecord[]>;
  afterEach(positions: readonly { marketplaceId: string; afterSeq: number }[], limit: number): Promise<FeedEventRecord[]>;
  countAfter(marketplaceId: string, afterSeq: number): Promise<number>;
}

/** This process's appends, handed over as they are made (FeedService): a delivery of them needs no read. */
export interface WebhookFeedHandover {
  /** The origin of the rings those appends send. */
  readonly ringOrigin: string;
  /** `since`: a `performance.now()` taken before the append began. */
  onAppended(listener: (records: readonly FeedEventRecord[], since: number) => void): () => void;
}

/** How long events handed over are served without a read (rings from elsewhere are remembered as long). */
const RECENT_MS = 10_000;

export interface WebhookDeliveryOptions {
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxFailures: number;
  allowPrivateTargets: boolean;
  /** How long a hold on a webhook lasts without renewal (renewed every third of it). */
  leaseMs: number;
  /** How often every takeable webhook is looked at when no doorbell rang. */
  pollMs: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookDeliveryOptions = {
  timeoutMs: 10_000,
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  maxFailures: 50,
  allowPrivateTargets: false,
  leaseMs: 15_000,
  pollMs: 2_000,
};

/** Rings the service sends when a webhook changed, so that the deliverer holding it looks at once. */
export const WEBHOOK_RING_ORIGIN = "webhooks";

/**
 * One webhook this process holds the lease of: delivers its feed one
 * delivery at a time, each acknowledged before the next is built.
 */
class Worker {
  private running = false;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private inFlight: { controller: AbortController; epoch: number; url: string } | null = null;
  private checking = false;
  /** The webhook as last read or written by this worker; dropped when it may have changed elsewhere. */
  private doc: WebhookRecord | null = null;
  /** Counts the rings that said the webhook changed: a write's outcome kept across one is stale. */
  private changes = 0;
  stopped = false;

  readonly id: string;
  readonly marketplaceId: string;

  constructor(
    private readonly deliverer: WebhookDeliverer,
    doc: WebhookRecord,
  ) {
    this.id = doc._id;
    this.marketplaceId = doc.marketplaceId;
    this.doc = doc;
  }

  /**
   * Looks again: a new event, or a retry due; `changed` when the webhook
   * itself may have changed (its document is read again, and a delivery in
   * flight is aborted if the webhook was deleted, disabled or moved).
   */
  kick(changed = false): void {
    if (this.stopped) return;
    if (changed) {
      this.doc = null;
      this.changes++;
    }
    if (this.running) {
      this.again = true;
      if (changed && this.inFlight) void this.checkInFlight();
      return;
    }
    this.running = true;
    // Its own work: each delivery joins the trace of its events (see `step`), not that of whatever rang.
    void detached(() => this.run());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.inFlight?.controller.abort();
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.step();
      } while (this.again && !this.stopped);
    } catch (error) {
      logger.warn("webhook delivery step failed", { webhookId: this.id, error: String(error) });
      // The database hiccuped: look again on the next poll.
    } finally {
      this.running = false;
    }
  }

  /** A delivery is out while the webhook changed: abort it if it was deleted, disabled or moved. */
  private async checkInFlight(): Promise<void> {
    if (this.checking || !this.inFlight) return;
    this.checking = true;
    try {
      const flight = this.inFlight;
      const doc = await this.deliverer.repo.get(this.id);
      if (flight === this.inFlight && (!doc || !doc.enabled || doc.epoch !== flight.epoch || doc.url !== flight.url)) {
        flight.controller.abort();
      }
    } catch {
      // Checked again on the next kick.
    } finally {
      this.checking = false;
    }
  }

  /** Writes an attempt's outcome (see WebhookRepository.settle); keeps what it wrote, or reads afresh next time when it could not. */
  private async settle(doc: WebhookRecord, set: Partial<WebhookRecord>): Promise<WebhookRecord | null> {
    const changes = this.changes;
    const settled = await this.deliverer.settle(doc, set);
    this.doc = changes === this.changes ? settled : null;
    return settled;
  }

  private async step(): Promise<void> {
    const d = this.deliverer;
    const doc = this.doc ?? (await d.repo.get(this.id));
    this.doc = doc;
    const now = Date.now();
    // A lease lost to another process shows here or in `renew`; its expiry is checked where it is taken.
    if (!doc || !doc.enabled || doc.leaseOwner !== d.owner) {
      d.drop(this.id, !!doc && doc.leaseOwner === d.owner);
      return;
    }
    clearTimeout(this.retryTimer);
    let delivery: PendingDelivery;
    let lastEventAt: Date | undefined;
    // Whether the feed may hold more than this delivery carries: then it is read again once this one is acknowledged.
    let more = true;
    if (doc.pending) {
      const due = doc.nextAttemptAt ? doc.nextAttemptAt.getTime() : 0;
      if (due > now) {
        this.retryTimer = setTimeout(() => this.kick(), due - now);
        return;
      }
      delivery = doc.pending;
    } else {
      const read = await d.readFeed(doc.marketplaceId, doc.deliveredSeq);
      const events = read.events;
      if (events.length === 0) return;
      more = read.more;
      delivery = buildDelivery(doc._id, doc.marketplaceId, doc.epoch, events);
      lastEventAt = new Date(events.at(-1)!.occurredAt);
    }

    const controller = new AbortController();
    this.inFlight = { controller, epoch: doc.epoch, url: doc.url };
    let result: AttemptResult;
    try {
      const post = () =>
        postDelivery(doc.url, doc.secret, delivery, {
          timeoutMs: d.options.timeoutMs,
          allowPrivateTargets: d.options.allowPrivateTargets,
          signal: controller.signal,
        });
      // In the trace of the mutation that raised its first event, linked to those of the others.
      const [first, ...others] = delivery.traceparents ?? [];
      result = first
        ? await inSpan(
            "webhook delivery",
            {
              kind: SpanKind.PRODUCER,
              parent: contextOf(first),
              links: others.flatMap((t) => linkTo(t) ?? []),
              attributes: {
                "offergate.webhook.id": doc._id,
                "offergate.marketplace.id": doc.marketplaceId,
                "offergate.webhook.delivery.id": delivery.id,
                "offergate.feed.from_seq": delivery.fromSeq,
                "offergate.feed.to_seq": delivery.toSeq,
              },
            },
            async (span) => {
              const attempt = await post();
              span?.setAttribute("offergate.webhook.outcome", attempt.outcome);
              return attempt;
            },
          )
        : await post();
    } finally {
      this.inFlight = null;
    }
    if (result.outcome === "cancelled") {
      this.again = true;
      return;
    }
    webhookDeliveries.inc({ outcome: result.outcome });
    const attemptedAt = new Date();
    if (result.outcome === "delivered") {
      const settled = await this.settle(doc, {
        deliveredSeq: delivery.toSeq,
        pending: null,
        nextAttemptAt: null,
        consecutiveFailures: 0,
        lastAttemptAt: attemptedAt,
        lastError: null,
      });
      if (settled) {
        const at = lastEventAt ?? (await d.feed.after(doc.marketplaceId, delivery.toSeq - 1, 1))[0]?.occurredAt;
        if (at) webhookDeliveryLatency.observe(Math.max(0, attemptedAt.getTime() - new Date(at).getTime()) / 1000);
      }
      // Look again when more may be waiting or the write was refused (the webhook changed under the attempt);
      // an event appended since the read rang and set `again` already (see `kick`).
      if (more || !settled) this.again = true;
      return;
    }
    const failures = doc.consecutiveFailures + 1;
    const disable = failures >= d.options.maxFailures;
    const wait = backoffMs(failures, d.options.retryBaseMs, d.options.retryMaxMs);
    const settled = await this.settle(doc, {
      pending: delivery,
      consecutiveFailures: failures,
      lastAttemptAt: attemptedAt,
      lastError: result.error,
      nextAttemptAt: new Date(attemptedAt.getTime() + wait),
      ...(disable ? { enabled: false } : {}),
    });
    if (!settled || disable) {
      this.again = true;
      return;
    }
    this.retryTimer = setTimeout(() => this.kick(), wait);
  }
}

/**
 * Collects the calls made in one turn of the event loop and runs them as
 * one. `serial`: one run at a time, the calls made while it runs wait and
 * go together in the next (a group commit: the acknowledgements of
 * deliveries answered over a few milliseconds cost one write, not one each).
 */
class TickBatch<In, Out> {
  private queue: { input: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly serial = false,
  ) {}

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      if (this.queue.length === 0 && !(this.serial && this.running)) setImmediate(() => void this.flush());
      this.queue.push({ input, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.running = true;
    try {
      const out = await this.run(batch.map((b) => b.input));
      batch.forEach((b, i) => b.resolve(out[i]!));
    } catch (error) {
      for (const b of batch) b.reject(error);
    } finally {
      this.running = false;
      if (this.serial && this.queue.length > 0) setImmediate(() => void this.flush());
    }
  }
}

/** A feed read for one webhook: its events, and whether the feed may hold more after them. */
export interface FeedRead {
  events: FeedEventRecord[];
  more: boolean;
}

/**
 * Delivers every webhook's feed off the request path, one per process: it
 * takes a lease on each webhook it delivers (in MongoDB, with an expiry it
 * renews), so that across replicas each webhook is delivered by one process
 * at a time, and a webhook whose holder died is taken over once its lease
 * has run out. It is woken by the feed's doorbell and polls as a fallback.
 */
export class WebhookDeliverer {
  readonly owner = `${process.pid}:${randomUUID()}`;
  private readonly workers = new Map<string, Worker>();
  private readonly scanning = new Map<string, { again: boolean }>();
  /** Marketplaces with an enabled webhook, as of the last poll or webhook change: a ring for any other costs nothing. */
  private withWebhooks = new Set<string>();
  /**
   * Per feed with a webhook: the events this process last appended to it
   * (consecutive, at most a delivery's worth), and when that append began. A
   * webhook whose position is just before them is delivered them without a
   * read; the feed may hold more after them only if another process appended
   * since that append began, and then rang here after it (`otherRingAt`).
   */
  private readonly recent = new Map<string, { events: FeedEventRecord[]; since: number }>();
  private readonly otherRingAt = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private readonly statsSource = () => this.stats();
  /**
   * A mutation rings many feeds at once, and each woken webhook reads its
   * feed and then records its acknowledgement: those made in the same turn
   * of the event loop go to the database together (one read per partition
   * of the log, one bulk write), so the deliveries cost the database, and
   * the mutations that share it, a few statements rather than two per webhook.
   */
  private readonly feedReads = new TickBatch<{ marketplaceId: string; afterSeq: number }, FeedRead>(async (reads) => {
    const full = (events: FeedEventRecord[]): FeedRead => ({ events, more: events.length >= MAX_EVENTS_PER_DELIVERY });
    if (reads.length === 1) return [full(await this.feed.after(reads[0]!.marketplaceId, reads[0]!.afterSeq, MAX_EVENTS_PER_DELIVERY))];
    const limit = MAX_EVENTS_PER_DELIVERY * reads.length;
    const rows = await this.feed.afterEach(reads, limit);
    const byFeed = groupBy(rows, (r) => r.marketplaceId);
    const cut = rows.length >= limit;
    return Promise.all(
      reads.map(async (r) => {
        const mine = (byFeed.get(r.marketplaceId) ?? []).filter((e) => e.seq > r.afterSeq).slice(0, MAX_EVENTS_PER_DELIVERY);
        // Each feed's share is a prefix of its events; only a feed the limit left out entirely is read on its own.
        if (mine.length === 0 && cut) return full(await this.feed.after(r.marketplaceId, r.afterSeq, MAX_EVENTS_PER_DELIVERY));
        // A read the limit cut may have cut this feed's share short too.
        return { events: mine, more: cut || mine.length >= MAX_EVENTS_PER_DELIVERY };
      }),
    );
  });
  private readonly settles = new TickBatch<{ doc: WebhookRecord; set: Partial<WebhookRecord> }, WebhookRecord | null>(
    async (writes) =>
      writes.length === 1
        ? [await this.repo.settle(writes[0]!.doc._id, this.owner, writes[0]!.doc.epoch, writes[0]!.set)]
        : this.repo.settleMany(this.owner, writes),
    true,
  );

  constructor(
    readonly repo: WebhookRepository,
    readonly feed: WebhookFeedLog,
    private readonly bus: EventBus,
    readonly options: WebhookDeliveryOptions,
    private readonly handover?: WebhookFeedHandover,
  ) {}

  readFeed(marketplaceId: string, afterSeq: number): Promise<FeedRead> {
    return Promise.resolve(this.fromRecent(marketplaceId, afterSeq) ?? this.feedReads.call({ marketplaceId, afterSeq }));
  }

  /** The events after `afterSeq` from those this process just appended, when they are where it is. */
  private fromRecent(marketplaceId: string, afterSeq: number): FeedRead | null {
    const recent = this.recent.get(marketplaceId);
    if (!recent || performance.now() - recent.since > RECENT_MS) return null;
    const { events, since } = recent;
    if (events[0]!.seq > afterSeq + 1 || events.at(-1)!.seq <= afterSeq) return null;
    return { events: events.filter((e) => e.seq > afterSeq), more: (this.otherRingAt.get(marketplaceId) ?? -Infinity) >= since };
  }

  /** This process appended: keep each webhook's feed's events, then wake its webhooks as a ring would (without waiting for it). */
  private onAppended(records: readonly FeedEventRecord[], since: number): void {
    if (this.closed) return;
    for (const [marketplaceId, events] of groupBy(records, (r) => r.marketplaceId)) {
      if (this.withWebhooks.has(marketplaceId)) {
        const consecutive = events.length <= MAX_EVENTS_PER_DELIVERY && events.every((e, i) => i === 0 || e.seq === events[i - 1]!.seq + 1);
        // As a read gives them back (an event without a reason has null).
        if (consecutive) this.recent.set(marketplaceId, { events: events.map((e) => ({ ...e, unavailableReason: e.unavailableReason ?? null })), since });
        else this.recent.delete(marketplaceId);
      }
      this.onRing(marketplaceId, false);
    }
  }

  /** Forgets what is too old to serve. */
  private pruneRecent(): void {
    const old = performance.now() - RECENT_MS;
    for (const [m, r] of this.recent) if (r.since < old || !this.withWebhooks.has(m)) this.recent.delete(m);
    for (const [m, at] of this.otherRingAt) if (at < old) this.otherRingAt.delete(m);
  }

  settle(doc: WebhookRecord, set: Partial<WebhookRecord>): Promise<WebhookRecord | null> {
    return this.settles.call({ doc, set });
  }

  start(): void {
    const handover = this.handover;
    const offRing = this.bus.onRing((marketplaceId, origin) => {
      if (handover && origin === handover.ringOrigin) return; // handed over already, as the append was made
      if (handover) this.otherRingAt.set(marketplaceId, performance.now());
      this.onRing(marketplaceId, origin === WEBHOOK_RING_ORIGIN);
    });
    const offAppended = handover?.onAppended((records, since) => this.onAppended(records, since));
    this.unsubscribe = () => {
      offRing();
      offAppended?.();
    };
    const poll = setInterval(() => this.scan(), this.options.pollMs);
    const renew = setInterval(() => void this.renew(), Math.max(250, Math.floor(this.options.leaseMs / 3)));
    for (const t of [poll, renew]) t.unref();
    this.timers = [poll, renew];
    webhookStatsSources.add(this.statsSource);
    this.scan();
  }

  /** Stops delivering and lets the leases go, so that another replica takes over at once. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    webhookStatsSources.delete(this.statsSource);
    const ids = [...this.workers.keys()];
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
    webhooksHeld.set(0);
    await this.repo.release(ids, this.owner).catch(() => undefined);
  }

  /**
   * A ring: new events in the marketplace's feed, or (`changed`) one of its
   * webhooks was created, changed or deleted. New events wake the webhooks
   * of that marketplace held here, without a read; the database is asked
   * only when one of its webhooks may be free for this process to take.
   */
  private onRing(marketplaceId: string, changed: boolean): void {
    if (this.closed) return;
    let held = false;
    for (const w of this.workers.values()) {
      if (w.marketplaceId !== marketplaceId) continue;
      held = true;
      w.kick(changed);
    }
    if (changed) this.withWebhooks.add(marketplaceId);
    if (changed || (!held && this.withWebhooks.has(marketplaceId))) this.scan(marketplaceId);
  }

  /** Looks for webhooks to deliver (of one marketplace, or all), takes those it can, and kicks them. */
  scan(marketplaceId?: string): void {
    if (this.closed) return;
    const key = marketplaceId ?? "*";
    const running = this.scanning.get(key);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.scanning.set(key, state);
    void (async () => {
      try {
        do {
          state.again = false;
          await this.scanOnce(marketplaceId);
        } while (state.again && !this.closed);
      } catch (error) {
        logger.warn("webhook scan failed", { error: String(error) });
      } finally {
        this.scanning.delete(key);
      }
    })();
  }

  private async scanOnce(marketplaceId?: string): Promise<void> {
    // The poll wakes every held webhook (a safety net for a lost ring); a change missed with a
    // ring shows when the next attempt's outcome is refused (WebhookRepository.settle).
    if (!marketplaceId) for (const w of this.workers.values()) w.kick();
    const now = Date.now();
    if (!marketplaceId) {
      this.withWebhooks = new Set(await this.repo.enabledMarketplaces());
      this.pruneRecent();
      // No webhook anywhere: nothing to take (the common case, one small read per poll).
      if (this.withWebhooks.size === 0) return;
    }
    const rows = await this.repo.takeableBy(this.owner, now, marketplaceId);
    await Promise.all(
      rows.map(async (row) => {
        if (this.workers.has(row._id) || this.closed) return;
        const held = row.leaseOwner === this.owner && row.leaseUntil > now + this.options.leaseMs / 2 ? row : await this.repo.acquire(row._id, this.owner, now, this.options.leaseMs);
        if (!held || this.closed || this.workers.has(row._id)) return;
        const worker = new Worker(this, held);
        this.workers.set(held._id, worker);
        webhooksHeld.set(this.workers.size);
        worker.kick();
      }),
    );
  }

  private async renew(): Promise<void> {
    if (this.closed || this.workers.size === 0) return;
    try {
      const held = await this.repo.renew([...this.workers.keys()], this.owner, Date.now(), this.options.leaseMs);
      for (const id of [...this.workers.keys()]) if (!held.has(id)) this.drop(id, false);
    } catch (error) {
      logger.warn("webhook lease renewal failed", { error: String(error) });
    }
  }

  /** Forgets a webhook (deleted, disabled, or taken by another process), releasing its lease if still held. */
  drop(id: string, release: boolean): void {
    const worker = this.workers.get(id);
    if (!worker) return;
    worker.stop();
    this.workers.delete(id);
    webhooksHeld.set(this.workers.size);
    if (release) void this.repo.release([id], this.owner).catch(() => undefined);
  }

  /** Backlog and lag of the webhooks held here, for the gauges. */
  async stats(): Promise<{ backlog: number; lagSeconds: number }> {
    const docs = await Promise.all([...this.workers.keys()].map((id) => this.repo.get(id)));
    let backlog = 0;
    let oldest = Infinity;
    await Promise.all(
      docs.map(async (doc) => {
        if (!doc) return;
        const [count, [first]] = await Promise.all([
          this.feed.countAfter(doc.marketplaceId, doc.deliveredSeq),
          this.feed.after(doc.marketplaceId, doc.deliveredSeq, 1),
        ]);
        backlog += count;
        if (first) oldest = Math.min(oldest, new Date(first.occurredAt).getTime());
      }),
    );
    return { backlog, lagSeconds: oldest === Infinity ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
  }
}
