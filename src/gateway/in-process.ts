import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { createGraphQLError, type ExecutionRequest, type ExecutionResult } from "@graphql-tools/utils";
import { execute, GraphQLError, type GraphQLSchema } from "graphql";
import { formatError } from "../shared/errors";
import { PRINCIPAL_HEADER, type Principal } from "../shared/principal";
import { principalFromHeader } from "../shared/subgraph-server";
import { inSpan, SpanKind } from "../shared/tracing";

/** A subgraph that runs in the gateway's own process: its schema and its per-request context. */
export interface LocalSubgraph {
  schema: GraphQLSchema;
  createContext(principal: Principal | null): unknown;
}

/** Formatted as the subgraph's server formats errors, then made GraphQLErrors again so that the gateway keeps their codes. */
export const asGatewayError = (error: GraphQLError) => {
  const formatted = formatError(error.toJSON(), error);
  return createGraphQLError(formatted.message, { path: formatted.path, extensions: formatted.extensions });
};

/**
 * Executes a query or mutation plan step on a subgraph's schema in this
 * process, as its HTTP server would but without the loopback request and the
 * JSON in between: the principal still arrives signed (in
 * `extensions.headers`, where `propagateHeaders` puts it) and is verified,
 * the context is the subgraph's own, and errors leave formatted by the
 * subgraph's `formatError`. Documents come from the query planner, built
 * against the supergraph, so they are not validated again.
 */
export function inProcessExecutor(subgraph: LocalSubgraph, internalSecret: string, name = "subgraph") {
  // The subgraph's side of the call, as its HTTP server would open it: child of the gateway's subgraph span.
  return (request: ExecutionRequest): Promise<ExecutionResult> =>
    inSpan(`subgraph ${name}`, { kind: SpanKind.SERVER, attributes: { "offergate.subgraph": name, "graphql.operation.type": request.operationType ?? "" } }, async () => {
      const contextValue = await contextFor(subgraph, request, internalSecret);
      if (contextValue instanceof GraphQLError) return { errors: [asGatewayError(contextValue)] };
      return asGatewayResult(
        await execute({
          schema: subgraph.schema,
          document: request.document,
          variableValues: request.variables,
          operationName: request.operationName,
          contextValue,
        }),
      );
    });
}

/** The subgraph's context for the request's signed principal, or the error that refuses it. */
export async function contextFor(subgraph: LocalSubgraph, request: ExecutionRequest, internalSecret: string): Promise<unknown> {
  const signed = (request.extensions?.headers as Record<string, unknown> | undefined)?.[PRINCIPAL_HEADER];
  try {
    return await subgraph.createContext(await principalFromHeader(typeof signed === "string" ? signed : undefined, internalSecret));
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}

/** A result with its errors as the subgraph's server would send them. */
export function asGatewayResult(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  // No data at all: the request itself was refused (variable coercion), the client's input.
  const requestError = !("data" in result);
  const errors = result.errors.map((e) =>
    requestError && e.extensions?.code === undefined
      ? new GraphQLError(e.message, { path: e.path, originalError: e.originalError, extensions: { code: "BAD_USER_INPUT" } })
      : e,
  );
  return { ...result, errors: errors.map(asGatewayError) };
}

/**
 * In the embedded mode, queries and mutations reach the subgraphs that share
 * the gateway's process by a function call instead of HTTP over loopback
 * (`npm run bench:graph` measures the difference). Subscriptions are taken by
 * ./subscriptions/, which calls `inProcessUpstream` for these subgraphs.
 */
export function useInProcessSubgraphs(subgraphs: Record<string, LocalSubgraph>, internalSecret: string): GatewayPlugin {
  const executors = new Map(Object.entries(subgraphs).map(([name, s]) => [name, inProcessExecutor(s, internalSecret, name)]));
  return {
    onSubgraphExecute({ subgraphName, executionRequest, setExecutor }) {
      if (executionRequest.operationType === "subscription") return;
      const executor = executors.get(subgraphName);
      if (executor) setExecutor(executor);
    },
  };
}
