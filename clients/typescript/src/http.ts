import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";

/** A GraphQL error from offergate, with the contract's code (`NOT_FOUND`, `STOCK_GATE_CLOSED`, ...). */
export class OffergateError extends Error {
  readonly code: string;
  constructor(
    readonly errors: readonly GraphQLFormattedError[],
    readonly status?: number,
  ) {
    super(errors.map((e) => e.message).join("; ") || `HTTP ${status}`);
    this.name = "OffergateError";
    this.code = String(errors[0]?.extensions?.code ?? (status ? `HTTP_${status}` : "UNKNOWN"));
  }
}

export interface ConnectionOptions {
  /** The GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** An API key (admin, seller or marketplace); none: anonymous. */
  apiKey?: string;
}

/** `Authorization: Bearer <key>` when there is a key. */
export const authorization = (apiKey: string | undefined): Record<string, string> =>
  apiKey ? { authorization: `Bearer ${apiKey}` } : {};

/** Variables may be left out only when the operation has none required. */
type VariablesArg<V> = Record<string, never> extends V ? [variables?: V] : [variables: V];

/**
 * Queries and mutations over HTTP with the typed documents of this package
 * (or any TypedDocumentNode). Errors throw an OffergateError with the code.
 */
export class OffergateClient {
  readonly url: string;
  readonly apiKey?: string;
  private readonly timeoutMs: number;

  constructor(options: ConnectionOptions & { timeoutMs?: number }) {
    this.url = options.url;
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** The same endpoint with another key. */
  as(apiKey: string | undefined): OffergateClient {
    return new OffergateClient({ url: this.url, apiKey, timeoutMs: this.timeoutMs });
  }

  async request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, ...[variables]: VariablesArg<TVariables>): Promise<TData> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...authorization(this.apiKey) },
      body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let body: { data?: TData | null; errors?: GraphQLFormattedError[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new OffergateError([{ message: `HTTP ${response.status}: not a GraphQL response` }], response.status);
    }
    if (body.errors?.length) throw new OffergateError(body.errors, response.status);
    if (!body.data) throw new OffergateError([{ message: `HTTP ${response.status} without data` }], response.status);
    return body.data;
  }
}
