/**
 * The one list of error codes (SEMANTICS.md, "Errors"). The `ErrorCode` type,
 * the set clients may see, and how the subgraphs and the gateway translate
 * the engine's and the runtime's own codes all derive from here.
 */
export const ERROR_CODES = [
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "ALREADY_EXISTS",
  "NOT_AFFILIATED",
  "NO_ROUTE",
  "OFFER_NOT_ACTIVE",
  "FORWARD_CYCLE",
  "MAX_DEPTH_EXCEEDED",
  "STOCK_GATE_CLOSED",
  "VERSION_CONFLICT",
  "INSUFFICIENT_STOCK",
  "QUERY_TOO_COMPLEX",
  "RATE_LIMITED",
  "SERVICE_UNAVAILABLE",
  "INTERNAL_SERVER_ERROR",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes a client's request can earn: passed through to it unchanged. */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set<string>(ERROR_CODES.filter((c) => c !== "INTERNAL_SERVER_ERROR"));

/** The engine's codes (graphql-js, Yoga, envelop, the Hive runtime) for a request the client got wrong: BAD_USER_INPUT. */
export const ENGINE_CLIENT_CODES: ReadonlySet<string> = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/** The runtime's codes for a subgraph that could not be reached or answered garbage: SERVICE_UNAVAILABLE. */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  "DOWNSTREAM_SERVICE_ERROR",
  "SUBREQUEST_HTTP_ERROR",
  "TIMEOUT_ERROR",
  "UPSTREAM_TIMEOUT",
]);

/** The contract's code for any code an error may carry. */
export function contractCode(code: unknown): ErrorCode {
  if (typeof code === "string") {
    if (CLIENT_ERROR_CODES.has(code)) return code as ErrorCode;
    if (ENGINE_CLIENT_CODES.has(code)) return "BAD_USER_INPUT";
    if (UNREACHABLE_CODES.has(code)) return "SERVICE_UNAVAILABLE";
  }
  return "INTERNAL_SERVER_ERROR";
}
