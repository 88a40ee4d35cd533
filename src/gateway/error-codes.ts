import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import type { GraphQLError } from "graphql";
import { contractCode } from "../shared/error-codes";

type MutableError = GraphQLError & { extensions: Record<string, unknown> };

/** Gives every error of a result (or of several) one of the contract's codes, in place. */
export function withContractCodes(result: unknown): void {
  const results = Array.isArray(result) ? result : [result];
  for (const r of results) {
    const errors = (r as { errors?: MutableError[] } | null)?.errors;
    if (!errors) continue;
    for (const error of errors) {
      // A request error (variable coercion, validation) has locations but no
      // path, and from the engine often no code: the client's mistake.
      const requestError = error.extensions?.code === undefined && !error.path && (error.locations?.length ?? 0) > 0;
      const code = requestError ? "BAD_USER_INPUT" : contractCode(error.extensions?.code);
      if (error.extensions?.code === code && !("serviceName" in (error.extensions ?? {}))) continue;
      // Which subgraph answered is internal; GraphQLError's extensions are frozen in some paths: replace the object.
      const { serviceName: _internal, ...extensions } = error.extensions ?? {};
      Object.defineProperty(error, "extensions", {
        value: { ...extensions, code },
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
  }
}

/**
 * Every error leaves the gateway with one of the contract's codes
 * (SEMANTICS.md, "Errors"): the engine's own validation codes become
 * BAD_USER_INPUT, an unreachable subgraph SERVICE_UNAVAILABLE, and anything
 * unknown INTERNAL_SERVER_ERROR. Subgraph codes pass through unchanged.
 */
export function useContractErrorCodes(): GatewayPlugin {
  return {
    onResultProcess({ result }) {
      withContractCodes(result);
    },
  };
}
