import type { GraphQLFormattedError } from "graphql";
import { print } from "graphql";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";
import { MemoryCursorStore, type CursorStore } from "./cursor-store";
import { OfferFeedDocument, type FeedEventFragment, type OfferFeedSubscription } from "./generated/graphql";
import { authorization, OffergateError, type ConnectionOptions } from "./http";

export type FeedEvent = FeedEventFragment;

/** Codes that a new attempt would meet again: the consumer stops with them instead of retrying. */
const FATAL_CODES = new Set(["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "QUERY_TOO_COMPLEX"]);

export type FeedConsumerState =
  | { state: "connecting"; attempt: number; after: string | null }
  | { state: "connected"; attempt: number }
  | { state: "disconnected"; error: unknown; retryInMs: number };

export interface FeedConsumerOptions extends ConnectionOptions {
  apiKey: string;
  marketplaceId: string;
  /** Called once per event, in feed order; the cursor is saved after it returns. */
  onEvent(event: FeedEvent): void | Promise<void>;
  /** Where the last cursor is kept (default: in memory; FileCursorStore to survive restarts). */
  store?: CursorStore;
  /** "sse" (GraphQL over SSE, default) or "ws" (graphql-transport-ws). */
  transport?: "sse" | "ws";
  /** With no saved cursor: "beginning" replays the whole feed (default), "now" streams live events only. */
  startAt?: "beginning" | "now";
  /** Backoff between attempts: starts at `initialDelayMs` (default 500), doubles, at most `maxDelayMs` (default 30,000), with jitter. */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  onState?(state: FeedConsumerState): void;
}

/** One subscription attempt: its results, and a way to end it. */
interface Attempt {
  results: AsyncIterableIterator<{ data?: OfferFeedSubscription | null; errors?: readonly GraphQLFormattedError[] }>;
  close(): void;
}

/**
 * Follows a marketplace's offer feed and never loses its place: each event is
 * handed to `onEvent`, then its cursor is saved; after a drop (network, a
 * restart of the service) it subscribes again after the last saved cursor,
 * so nothing is missed and nothing handled twice, across reconnects and, with
 * a FileCursorStore, across restarts of the consumer. An event whose handler
 * did not finish (a crash) comes again: at least once.
 *
 * `run()` resolves when `stop()` is called, and rejects on an error that
 * retrying cannot fix (a bad key, a marketplace it may not read) or when
 * `onEvent` throws.
 */
export class FeedConsumer {
  private readonly store: CursorStore;
  private stopped = false;
  private current?: Attempt;
  private wake?: () => void;
  private running?: Promise<void>;

  constructor(private readonly options: FeedConsumerOptions) {
    this.store = options.store ?? new MemoryCursorStore();
  }

  /** Starts following the feed (once); the promise settles as `run` says. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Ends the subscription; `run()` resolves. Events not yet handled are not saved. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.close();
    this.wake?.();
    await this.running?.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    const { initialDelayMs = 500, maxDelayMs = 30_000 } = this.options.retry ?? {};
    let failures = 0;
    while (!this.stopped) {
      const saved = await this.store.load();
      const after = saved ?? (this.options.startAt === "now" ? null : "");
      try {
        this.options.onState?.({ state: "connecting", attempt: failures, after });
        await this.follow(after, () => {
          failures = 0;
        });
        if (this.stopped) return;
        // The feed never completes by itself: the service went away cleanly (shutting down).
        throw new Error("the feed ended");
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof FatalError) throw error.cause;
        const retryInMs = Math.min(maxDelayMs, initialDelayMs * 2 ** failures) * (0.5 + Math.random() / 2);
        failures++;
        this.options.onState?.({ state: "disconnected", error, retryInMs });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryInMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /** One subscription, until it ends or fails; `healthy` is called once it delivers. */
  private async follow(after: string | null, healthy: () => void): Promise<void> {
    const attempt = this.open(after);
    this.current = attempt;
    try {
      for await (const result of attempt.results) {
        if (result.errors?.length) {
          const error = new OffergateError(result.errors);
          throw FATAL_CODES.has(error.code) ? new FatalError(error) : error;
        }
        const event = result.data?.offerFeed;
        if (!event) continue;
        try {
          await this.options.onEvent(event);
        } catch (handlerError) {
          throw new FatalError(handlerError);
        }
        await this.store.save(event.cursor);
        healthy();
        if (this.stopped) return;
      }
    } finally {
      attempt.close();
      this.current = undefined;
    }
  }

  private open(after: string | null): Attempt {
    const { url, apiKey, marketplaceId } = this.options;
    const request = { query: print(OfferFeedDocument), variables: { marketplaceId, after } };
    const connected = () => this.options.onState?.({ state: "connected", attempt: 0 });
    if (this.options.transport === "ws") {
      const client = createWsClient({
        url: url.replace(/^http/, "ws"),
        webSocketImpl: WebSocket,
        connectionParams: authorization(apiKey),
        retryAttempts: 0, // this consumer retries itself, with the last saved cursor
        on: { connected },
      });
      const results = client.iterate<OfferFeedSubscription>(request);
      return {
        results,
        close: () => {
          void results.return?.();
          void client.dispose();
        },
      };
    }
    const client = createSseClient({ url, headers: authorization(apiKey), retryAttempts: 0 });
    const results = client.iterate<OfferFeedSubscription>(request, { connected });
    return {
      results,
      close: () => {
        void results.return?.();
        client.dispose();
      },
    };
  }
}

/** An error that ends `run()` instead of a retry. */
class FatalError extends Error {
  constructor(override readonly cause: unknown) {
    super(String(cause));
  }
}

