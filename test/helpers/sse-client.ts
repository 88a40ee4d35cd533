import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-sse";

export interface SseSubscriber<T> {
  client: Client;
  /** The results' root field, in the order received. */
  events: T[];
  /** Errors received (a subscription ends after one). */
  errors: GraphQLFormattedError[];
  /** How the subscription ended: "complete", an error, or still open (undefined). */
  ended(): "complete" | "error" | undefined;
  /** Resolves once `count` events arrived (or the subscription ended), rejects after `timeoutMs`. */
  waitForEvents(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves when the subscription ends. */
  waitForEnd(timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * A subscription over GraphQL over SSE ("distinct connections" mode: one
 * `POST /graphql` with `Accept: text/event-stream` per subscription) as the
 * graphql-sse client opens it: the API key in the `Authorization` header, no
 * automatic retry (a test sees every drop).
 */
export function subscribeSse<TData extends Record<string, unknown>, TVariables extends Record<string, unknown>>(
  url: string,
  apiKey: string | undefined,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): SseSubscriber<TData[keyof TData]> {
  const client = createClient({
    url,
    singleConnection: false,
    retryAttempts: 0,
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
  });
  const events: TData[keyof TData][] = [];
  const errors: GraphQLFormattedError[] = [];
  let ending: "complete" | "error" | undefined;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  const unsubscribe = client.subscribe<TData>(
    { query: print(document), variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) events.push(Object.values(result.data)[0] as TData[keyof TData]);
        changed();
      },
      error: (error) => {
        errors.push(...(Array.isArray(error) ? (error as GraphQLFormattedError[]) : [{ message: String(error) }]));
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
    waitForEvents: async (count, timeoutMs = 10_000) => {
      await until(
        () => events.length >= count || ending !== undefined,
        timeoutMs,
        () => `${count} events (got ${events.length}, errors ${JSON.stringify(errors)})`,
      );
      return events;
    },
    waitForEnd: (timeoutMs = 10_000) => until(() => ending !== undefined, timeoutMs, () => "the subscription to end"),
    close: () => {
      unsubscribe();
      client.dispose();
    },
  };
}
