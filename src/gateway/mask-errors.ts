import { GraphQLError } from "graphql";
import { CLIENT_ERROR_CODES, ENGINE_CLIENT_CODES, UNREACHABLE_CODES } from "../shared/error-codes";
import { logger } from "../shared/logger";

/** Network failures of a subgraph request: refused, reset, timed out. */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|UND_ERR|socket hang up|fetch failed|other side closed|TimeoutError|timed out/i;
/** Extensions that describe our internals (which subgraph, the request sent to it, stacks): never for clients. */
const INTERNAL_EXTENSIONS = ["request", "response", "serviceName", "subgraph", "stacktrace", "exception", "originalError", "unexpected"];

function describe(error: unknown, depth = 0): string {
  if (!error || depth > 4) return "";
  const e = error as { name?: string; message?: string; code?: string; cause?: unknown; originalError?: unknown; errors?: unknown[]; extensions?: { code?: unknown } };
  return [e.name, e.code, e.extensions?.code, e.message, describe(e.originalError, depth + 1), describe(e.cause, depth + 1), ...(e.errors ?? []).map((x) => describe(x, depth + 1))]
    .filter(Boolean)
    .join(" ");
}

const unavailable = (path: GraphQLError["path"]) =>
  new GraphQLError("A service this request depends on is unavailable; try again shortly", { path, extensions: { code: "SERVICE_UNAVAILABLE" } });

/**
 * The gateway's error masking (SEMANTICS.md, "Errors"), whatever NODE_ENV
 * says (yoga would add originals and stacks in development):
 * - a subgraph that cannot be reached: SERVICE_UNAVAILABLE, without its
 *   address or the request that was sent to it;
 * - an error raised on purpose (a rule, a limit, a subgraph's coded error, a
 *   validation error): passed on, minus extensions that describe internals
 *   (taken out of the same error, which the engine then does not log);
 * - anything else: logged, and "Internal server error" with INTERNAL_SERVER_ERROR.
 */
export function maskGatewayError(error: unknown, _message: string): Error {
  const graphQLError = error instanceof GraphQLError ? error : undefined;
  const code = graphQLError?.extensions?.code;
  const clientCode = typeof code === "string" && (CLIENT_ERROR_CODES.has(code) || code === "INTERNAL_SERVER_ERROR");
  const what = describe(error);
  if (!clientCode && ((typeof code === "string" && UNREACHABLE_CODES.has(code)) || UNREACHABLE.test(what))) {
    logger.warn("subgraph unreachable", { error: what, path: graphQLError?.path });
    return unavailable(graphQLError?.path);
  }
  const deliberate = graphQLError && (!graphQLError.originalError || graphQLError.originalError instanceof GraphQLError);
  const engineClientCode = typeof code === "string" && ENGINE_CLIENT_CODES.has(code);
  if (deliberate && (clientCode || engineClientCode || code === undefined)) {
    // Passed on as the same error, its internals taken out in place: the engine logs every error its masking
    // replaces, and a client's own mistake (a bad key, bad input, a refused operation) is not the server's error.
    // Idempotent, so an error that reaches several clients (a shared subscription's result) stays right.
    const own = graphQLError.extensions as Record<string, unknown>;
    const extensions = Object.isFrozen(own) ? { ...own } : own;
    for (const key of INTERNAL_EXTENSIONS) delete extensions[key];
    if (engineClientCode) extensions.code = "BAD_USER_INPUT";
    if (extensions === own) return graphQLError;
    return new GraphQLError(graphQLError.message, {
      nodes: graphQLError.nodes,
      source: graphQLError.source,
      positions: graphQLError.positions,
      path: graphQLError.path,
      extensions,
    });
  }
  logger.error("unexpected gateway error", { error: what, path: graphQLError?.path });
  const http = graphQLError?.extensions?.http as object | undefined;
  return new GraphQLError("Internal server error", {
    nodes: graphQLError?.nodes,
    path: graphQLError?.path,
    extensions: { code: "INTERNAL_SERVER_ERROR", ...(http ? { http } : {}) },
  });
}
