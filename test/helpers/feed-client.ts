import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { FeedPageDocument, type FeedPageQuery } from "../generated/graphql";
import type { GraphQLClient } from "./graphql-client";

export type FeedPageEvent = FeedPageQuery["offerEvents"]["edges"][number]["node"];

/** Every event of a marketplace's feed after `after`, through `offerEvents`, walking pages of `first`. */
export async function readWholeFeed(client: GraphQLClient, marketplaceId: string, after?: string | null, first = 1000): Promise<FeedPageEvent[]> {
  const events: FeedPageEvent[] = [];
  let cursor = after ?? null;
  for (let pages = 0; pages < 1000; pages++) {
    const { offerEvents } = await client.data(FeedPageDocument, { marketplaceId, after: cursor, first });
    events.push(...offerEvents.edges.map((e) => e.node));
    if (!offerEvents.pageInfo.hasNextPage) return events;
    cursor = offerEvents.pageInfo.endCursor;
  }
  throw new Error("offerEvents did not end within 1000 pages");
}

export interface FeedSubscriber<T> {
  client: Client;
  /** The results' root field, in the order received. */
  events: T[];
  /** Errors received (a subscription ends after one). */
  errors: GraphQLFormattedError[];
  /** How the subscription ended: "complete", an error, or still open (undefined). */
  ended(): "complete" | "error" | undefined;
  /** The WebSocket, once open (to pause it, as a slow client does). */
  socket(): WebSocket | undefined;
  /** Resolves once `count` events arrived (or the subscription ended), rejects after `timeoutMs`. */
  waitForEvents(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves when the subscription ends. */
  waitForEnd(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A graphql-transport-ws subscription as a marketplace would open it: the API
 * key in `connectionParams.authorization`, one socket of its own, no
 * automatic reconnection (a test sees every drop).
 */
export function subscribe<TData extends Record<string, unknown>, TVariables extends Record<string, unknown>>(
  url: string,
  apiKey: string | undefined,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  onEvent?: (event: TData[keyof TData]) => void,
): FeedSubscriber<TData[keyof TData]> {
  let openSocket: WebSocket | undefined;
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    on: { opened: (socket) => void (openSocket = socket as WebSocket) },
  });
  const events: TData[keyof TData][] = [];
  const errors: GraphQLFormattedError[] = [];
  let ending: "complete" | "error" | undefined;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  client.subscribe<TData>(
    { query: print(document), variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) {
          const event = Object.values(result.data)[0] as TData[keyof TData];
          events.push(event);
          onEvent?.(event);
        }
        changed();
      },
      error: (error) => {
        errors.push(
          ...(Array.isArray(error) ? (error as GraphQLFormattedError[]) : [{ message: `socket error: ${String((error as { code?: number }).code ?? error)}` }]),
        );
        ending = "error";
        changed();
      },
      complete: () => {
        ending ??= "complete";
        changed();
      },
    },
  );
  const until = (done: () => boolean, timeoutMs: number, what: () => string) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
    });
  return {
    client,
    events,
    errors,
    ended: () => ending,
    socket: () => openSocket,
    waitForEvents: async (count, timeoutMs = 10_000) => {
      await until(
        () => events.length >= count || ending !== undefined,
        timeoutMs,
        () => `${count} events (got ${events.length}, errors ${JSON.stringify(errors)})`,
      );
      return events;
    },
    waitForEnd: (timeoutMs = 10_000) => until(() => ending !== undefined, timeoutMs, () => "the subscription to end"),
    close: () => client.dispose() as Promise<void>,
  };
}

/** One sample of a Prometheus metric on the gateway's `/metrics` (0 when absent), e.g. `metric(origin, "x_total", 'reason="A"')`. */
export async function metric(origin: string, name: string, labels = ""): Promise<number> {
  const response = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  const escaped = `${name}${labels ? `{${labels}}` : ""}`.replace(/[{}()[\]\\.+*?^$|]/g, "\\$&");
  const match = new RegExp(`^${escaped} (\\S+)$`, "m").exec(body);
  return Number(match?.[1] ?? 0);
}
