import { randomUUID } from "node:crypto";
import type { EventBus } from "../../shared/bus";
import { logger } from "../../shared/logger";
import { webhookDeliveries, webhookDeliveryLatency, webhooksHeld, webhookStatsSources } from "../../shared/webhook-metrics";
import type { FeedEventRecord } from "../feed/feed.model";
import { buildDelivery, backoffMs, MAX_EVENTS_PER_DELIVERY, postDelivery, type AttemptResult } from "./webhook.http";
import type { PendingDelivery } from "./webhook.model";
import type { WebhookRepository } from "./webhook.repository";

/** What the deliverer reads of the feed log (FeedRepository). */
export interface WebhookFeedLog {
  after(marketplaceId: string, afterSeq: number, limit: number): Promise<FeedEventRecord[]>;
  countAfter(marketplaceId: string, afterSeq: number): Promise<number>;
}

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
  stopped = false;

  constructor(
    private readonly deliverer: WebhookDeliverer,
    readonly id: string,
    readonly marketplaceId: string,
  ) {}

  /** Looks again: a new event, a change of the webhook, or a retry due. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      if (this.inFlight) void this.checkInFlight();
      return;
    }
    this.running = true;
    void this.run();
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

  private async step(): Promise<void> {
    const d = this.deliverer;
    const doc = await d.repo.get(this.id);
    const now = Date.now();
    if (!doc || !doc.enabled || doc.leaseOwner !== d.owner || doc.leaseUntil < now) {
      d.drop(this.id, !!doc && doc.leaseOwner === d.owner);
      return;
    }
    clearTimeout(this.retryTimer);
    let delivery: PendingDelivery;
    let lastEventAt: Date | undefined;
    if (doc.pending) {
      const due = doc.nextAttemptAt ? doc.nextAttemptAt.getTime() : 0;
      if (due > now) {
        this.retryTimer = setTimeout(() => this.kick(), due - now);
        return;
      }
      delivery = doc.pending;
    } else {
      const events = await d.feed.after(doc.marketplaceId, doc.deliveredSeq, MAX_EVENTS_PER_DELIVERY);
      if (events.length === 0) return;
      delivery = buildDelivery(doc._id, doc.marketplaceId, doc.epoch, events);
      lastEventAt = new Date(events.at(-1)!.occurredAt);
    }

    const controller = new AbortController();
    this.inFlight = { controller, epoch: doc.epoch, url: doc.url };
    let result: AttemptResult;
    try {
      result = await postDelivery(doc.url, doc.secret, delivery, {
        timeoutMs: d.options.timeoutMs,
        allowPrivateTargets: d.options.allowPrivateTargets,
        signal: controller.signal,
      });
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
      const settled = await d.repo.settle(doc._id, d.owner, doc.epoch, {
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
      // More may be waiting (or the webhook changed under the attempt): look again.
      this.again = true;
      return;
    }
    const failures = doc.consecutiveFailures + 1;
    const disable = failures >= d.options.maxFailures;
    const wait = backoffMs(failures, d.options.retryBaseMs, d.options.retryMaxMs);
    const settled = await d.repo.settle(doc._id, d.owner, doc.epoch, {
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
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private readonly statsSource = () => this.stats();

  constructor(
    readonly repo: WebhookRepository,
    readonly feed: WebhookFeedLog,
    private readonly bus: EventBus,
    readonly options: WebhookDeliveryOptions,
  ) {}

  start(): void {
    this.unsubscribe = this.bus.onRing((marketplaceId) => this.scan(marketplaceId));
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
    // Held webhooks of that marketplace look at once (a change to one of them also rings).
    for (const w of this.workers.values()) if (!marketplaceId || w.marketplaceId === marketplaceId) w.kick();
    const now = Date.now();
    const rows = await this.repo.takeableBy(this.owner, now, marketplaceId);
    await Promise.all(
      rows.map(async (row) => {
        if (this.workers.has(row._id) || this.closed) return;
        const held = row.leaseOwner === this.owner && row.leaseUntil > now + this.options.leaseMs / 2 ? row : await this.repo.acquire(row._id, this.owner, now, this.options.leaseMs);
        if (!held || this.closed || this.workers.has(row._id)) return;
        const worker = new Worker(this, held._id, held.marketplaceId);
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
