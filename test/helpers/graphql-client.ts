import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";

export interface GraphQLResponse<TData> {
  status: number;
  data?: TData | null;
  errors?: GraphQLFormattedError[];
}

/** Variables may be left out only when the operation has no required ones. */
type VariablesArg<TVariables> = Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

const REQUEST_TIMEOUT_MS = 10_000;

/** The `extensions.code` of every error in a response, in order. */
export const errorCodes = (response: { errors?: readonly GraphQLFormattedError[] }): unknown[] =>
  (response.errors ?? []).map((e) => e.extensions?.code);

/**
 * A small GraphQL-over-HTTP client for the tests: typed by the operations that
 * codegen generates from `test/operations`, authenticated by an API key (none:
 * anonymous). Every request has a timeout, so a hung server fails the test
 * instead of stalling the run.
 */
export class GraphQLClient {
  constructor(
    readonly url: string,
    readonly apiKey?: string,
    readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  /** The same endpoint with another key (undefined: anonymous). */
  as(apiKey: string | undefined): GraphQLClient {
    return new GraphQLClient(this.url, apiKey, this.timeoutMs);
  }

  /** The same client with another timeout per request. */
  withTimeout(timeoutMs: number): GraphQLClient {
    return new GraphQLClient(this.url, this.apiKey, timeoutMs);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      accept: "application/graphql-response+json, application/json",
      ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
      ...extra,
    };
  }

  /** POSTs an operation and returns the whole response, errors included. */
  async execute<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables]: VariablesArg<TVariables>
  ): Promise<GraphQLResponse<TData>> {
    return this.post({ query: print(document), variables: variables ?? {} });
  }

  /** Runs an operation over GET, with the query and variables in the URL. */
  async executeGet<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables]: VariablesArg<TVariables>
  ): Promise<GraphQLResponse<TData>> {
    const url = new URL(this.url);
    url.searchParams.set("query", print(document));
    if (variables) url.searchParams.set("variables", JSON.stringify(variables));
    const response = await fetch(url, { headers: this.headers(), signal: AbortSignal.timeout(this.timeoutMs) });
    return { status: response.status, ...((await response.json()) as object) };
  }

  /** Runs an operation and returns its data; any error fails, listing the errors. */
  async data<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    ...args: VariablesArg<TVariables>
  ): Promise<TData> {
    const response = await this.execute(document, ...args);
    if (response.errors?.length || !response.data) {
      throw new Error(`GraphQL request failed (HTTP ${response.status}): ${JSON.stringify(response.errors ?? response)}`);
    }
    return response.data;
  }

  /** POSTs any body (for untyped or deliberately malformed requests). */
  async post(body: unknown, extraHeaders: Record<string, string> = {}): Promise<GraphQLResponse<any>> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: this.headers({ "content-type": "application/json", ...extraHeaders }),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    try {
      return { status: response.status, ...(JSON.parse(text) as object) };
    } catch {
      throw new Error(`Non-JSON response (HTTP ${response.status}): ${text.slice(0, 500)}`);
    }
  }
}
