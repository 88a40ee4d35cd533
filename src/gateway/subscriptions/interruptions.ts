import { createGraphQLError, type ExecutionResult } from "@graphql-tools/utils";

/** Why a subscription ended early; told to the client, with the cursor to resume from, as its last result. */
export interface Interruption {
  code: "RATE_LIMITED" | "SERVICE_UNAVAILABLE";
  reason: "SLOW_CONSUMER" | "UPSTREAM_CLOSED";
  message: string;
}

/** The service behind the gateway went away under the subscription (a restart, a broken stream). */
export const UPSTREAM_CLOSED: Interruption = {
  code: "SERVICE_UNAVAILABLE",
  reason: "UPSTREAM_CLOSED",
  message: "The subscription lost its connection to the service behind the gateway",
};

/** The `cursor` of a result's root field, when the client selected it. */
export function cursorOf(result: ExecutionResult): string | undefined {
  const root = result.data ? Object.values(result.data)[0] : undefined;
  const cursor = (root as { cursor?: unknown } | null | undefined)?.cursor;
  return typeof cursor === "string" ? cursor : undefined;
}

/** A subscription's last result when it was interrupted: why, and the cursor to resume from (`resumeAfter`, null if none was sent). */
export function interruptedResult(why: Interruption, resumeAfter: string | null): ExecutionResult {
  const how = resumeAfter === null ? "subscribe again with the last cursor you stored" : `subscribe again with after: "${resumeAfter}"`;
  const error = createGraphQLError(`${why.message}; ${how} to continue without a gap`, {
    extensions: { code: why.code, reason: why.reason, resumeAfter },
  });
  return { errors: [error] };
}
