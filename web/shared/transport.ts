import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";

/** The service's GraphQL endpoint, on the page's own origin. */
export const GRAPHQL_URL = new URL("/graphql", window.location.href).href;

export interface GraphQLResult<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One query or mutation over HTTP (POST, JSON). */
export async function request<T>(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GraphQLResult<T>> {
  const response = await fetch(GRAPHQL_URL, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResult<T>;
}

/** A subscription over Server-Sent Events (the GraphQL over SSE protocol, distinct connections): headers per operation. */
export function sseSubscription<T>(
  payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null },
  headers: Record<string, string>,
): AsyncIterableIterator<GraphQLResult<T>> {
  const client = createSseClient({ url: GRAPHQL_URL, headers, retryAttempts: 0 });
  const results = client.iterate<T>({
    query: payload.query,
    variables: payload.variables ?? undefined,
    operationName: payload.operationName ?? undefined,
  });
  const iterator: AsyncIterableIterator<GraphQLResult<T>> = {
    next: () => results.next() as Promise<IteratorResult<GraphQLResult<T>>>,
    return: async () => {
      await results.return?.();
      client.dispose();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

/** A graphql-transport-ws client on the same origin that reconnects on its own; `onReconnected` tells when a reconnection may have missed something. */
export function liveClient(onReconnected: () => void): WsClient {
  const url = GRAPHQL_URL.replace(/^http/, "ws");
  return createWsClient({
    url,
    lazy: false,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    on: {
      connected: (_socket, _payload, wasRetry) => {
        if (wasRetry) onReconnected();
      },
    },
  });
}
