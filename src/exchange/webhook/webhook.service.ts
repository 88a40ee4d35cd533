import { randomBytes } from "node:crypto";
import { requirePrincipal } from "../../shared/auth";
import type { EventBus } from "../../shared/bus";
import { BadUserInputError, ForbiddenError, NotFoundError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { isLive } from "../../shared/live";
import type { Principal } from "../../shared/principal";
import type { EntityDirectory } from "../directory/entity-directory";
import { decodeFeedCursor, encodeFeedCursor } from "../feed/feed.cursor";
import { WEBHOOK_RING_ORIGIN, type WebhookFeedLog } from "./webhook.deliverer";
import type { WebhookRecord } from "./webhook.model";
import type { WebhookRepository } from "./webhook.repository";
import { assertPublicTarget, parseWebhookUrl } from "./webhook.target";

export const MAX_WEBHOOKS_PER_MARKETPLACE = 10;

export type WebhookStatus = "ACTIVE" | "FAILING" | "DISABLED";

/** A webhook as the API shows it (never its secret). */
export interface WebhookView {
  id: string;
  marketplaceId: string;
  url: string;
  status: WebhookStatus;
  deliveredSeq: number;
  deliveredCursor: string | null;
  consecutiveFailures: number;
  lastAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
}

export const toWebhookView = (r: WebhookRecord): WebhookView => ({
  id: r._id,
  marketplaceId: r.marketplaceId,
  url: r.url,
  status: !r.enabled ? "DISABLED" : r.consecutiveFailures > 0 ? "FAILING" : "ACTIVE",
  deliveredSeq: r.deliveredSeq,
  deliveredCursor: r.deliveredSeq > 0 ? encodeFeedCursor(r.marketplaceId, r.deliveredSeq) : null,
  consecutiveFailures: r.consecutiveFailures,
  lastAttemptAt: r.lastAttemptAt ?? null,
  lastError: r.lastError ?? null,
  createdAt: r.createdAt,
});

/** A Standard Webhooks secret: "whsec_" + base64 of 32 random bytes. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** Webhooks' registration and its rules; delivery is the deliverer's. */
export class WebhookService {
  constructor(
    private readonly repo: WebhookRepository,
    private readonly feed: WebhookFeedLog & { latestSeq(marketplaceId: string): Promise<number> },
    private readonly bus: EventBus,
    private readonly directory: Pick<EntityDirectory, "require">,
    private readonly options: { allowPrivateTargets: boolean },
  ) {}

  /** That marketplace or an admin; for the admin, an id that is no marketplace is NOT_FOUND. */
  private async authorizeMarketplace(principal: Principal | null, marketplaceId: string): Promise<void> {
    const p = requirePrincipal(principal);
    if (p.kind === "ADMIN") return this.directory.require("Marketplace", marketplaceId);
    if (p.kind !== "MARKETPLACE" || p.id !== marketplaceId) throw new ForbiddenError();
  }

  /** An existing webhook the caller may manage: admin or its marketplace (authorization first, then NOT_FOUND). */
  private async authorizeWebhook(principal: Principal | null, id: string): Promise<WebhookRecord> {
    const p = requirePrincipal(principal);
    if (p.kind !== "ADMIN" && p.kind !== "MARKETPLACE") throw new ForbiddenError();
    const found = await this.repo.get(id);
    if (!found) throw new NotFoundError("webhook", id);
    if (p.kind === "MARKETPLACE" && p.id !== found.marketplaceId) throw new ForbiddenError();
    return found;
  }

  /** Where `after` puts the position: omitted or null, the feed's end now; "", before the first event; a cursor, that event. */
  private async positionOf(marketplaceId: string, after: string | null | undefined): Promise<number> {
    if (isLive(after)) return this.feed.latestSeq(marketplaceId);
    const seq = decodeFeedCursor(after, marketplaceId);
    if (seq > 0 && seq > (await this.feed.latestSeq(marketplaceId))) {
      throw new BadUserInputError(`The cursor "${after}" is past the end of this marketplace's feed`, { argument: "after" });
    }
    return seq;
  }

  private async checkUrl(url: string): Promise<string> {
    const parsed = parseWebhookUrl(url);
    if (!this.options.allowPrivateTargets) await assertPublicTarget(parsed);
    return url;
  }

  /** The deliverer holding the webhook (in any replica) looks at it again now. */
  private ring(marketplaceId: string): void {
    this.bus.ring(marketplaceId, WEBHOOK_RING_ORIGIN);
  }

  async list(principal: Principal | null, marketplaceId: string): Promise<WebhookView[]> {
    await this.authorizeMarketplace(principal, marketplaceId);
    return (await this.repo.listByMarketplace(marketplaceId)).map(toWebhookView);
  }

  async create(
    principal: Principal | null,
    input: { marketplaceId: string; url: string; after?: string | null },
  ): Promise<{ webhook: WebhookView; secret: string }> {
    await this.authorizeMarketplace(principal, input.marketplaceId);
    const url = await this.checkUrl(input.url);
    const deliveredSeq = await this.positionOf(input.marketplaceId, input.after);
    if (!(await this.repo.takeSlot(input.marketplaceId, MAX_WEBHOOKS_PER_MARKETPLACE))) {
      throw new BadUserInputError(`A marketplace may have at most ${MAX_WEBHOOKS_PER_MARKETPLACE} webhooks`, { argument: "marketplaceId" });
    }
    const record: WebhookRecord = {
      _id: newId("webhook"),
      marketplaceId: input.marketplaceId,
      url,
      secret: newSecret(),
      enabled: true,
      deliveredSeq,
      epoch: 0,
      consecutiveFailures: 0,
      lastAttemptAt: null,
      lastError: null,
      nextAttemptAt: null,
      pending: null,
      leaseOwner: null,
      leaseUntil: 0,
      createdAt: new Date(),
    };
    try {
      await this.repo.create(record);
    } catch (error) {
      await this.repo.freeSlot(input.marketplaceId);
      throw error;
    }
    this.ring(input.marketplaceId);
    return { webhook: toWebhookView(record), secret: record.secret };
  }

  /**
   * Changes the URL, enables or disables, or moves the position. A move drops
   * the delivery being retried (the next one starts after the new position);
   * a new URL or re-enabling retries it at once, with the failures reset.
   */
  async update(
    principal: Principal | null,
    input: { id: string; url?: string | null; enabled?: boolean | null; after?: string | null },
  ): Promise<WebhookView> {
    const found = await this.authorizeWebhook(principal, input.id);
    const set: Partial<WebhookRecord> = {};
    let moved = false;
    if (input.url !== undefined && input.url !== null && input.url !== found.url) {
      set.url = await this.checkUrl(input.url);
      moved = true;
    }
    if (input.after !== undefined) {
      set.deliveredSeq = await this.positionOf(found.marketplaceId, input.after);
      set.pending = null;
      moved = true;
    }
    if (input.enabled === true && !found.enabled) set.enabled = true;
    if (input.enabled === false && found.enabled) set.enabled = false;
    if (moved || set.enabled === true) {
      set.consecutiveFailures = 0;
      set.nextAttemptAt = null;
    }
    if (Object.keys(set).length === 0) return toWebhookView(found);
    const updated = await this.repo.update(found._id, set, moved ? { epoch: 1 } : {});
    if (!updated) throw new NotFoundError("webhook", input.id);
    this.ring(updated.marketplaceId);
    return toWebhookView(updated);
  }

  /** Deletes the webhook; a delivery in flight is aborted by its deliverer on the ring. */
  async delete(principal: Principal | null, id: string): Promise<WebhookView> {
    await this.authorizeWebhook(principal, id);
    const deleted = await this.repo.delete(id);
    if (!deleted) throw new NotFoundError("webhook", id);
    await this.repo.freeSlot(deleted.marketplaceId);
    this.ring(deleted.marketplaceId);
    return toWebhookView(deleted);
  }

  /** Events in the feed after the webhook's position. */
  backlog(webhook: Pick<WebhookView, "marketplaceId" | "deliveredSeq">): Promise<number> {
    return this.feed.countAfter(webhook.marketplaceId, webhook.deliveredSeq);
  }
}
