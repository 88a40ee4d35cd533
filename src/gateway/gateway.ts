import { createGatewayRuntime, type GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { unifiedGraphHandler } from "@graphql-hive/router-runtime";
import { GraphQLError } from "graphql";
import { DomainError } from "../shared/errors";
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from "../shared/principal";
import { gatewayTracingPlugins } from "../shared/tracing";
import { bearerKey, type Authenticator } from "./authenticate";
import { useEntityCache } from "./entity-cache";
import { DEFAULT_SUBSCRIPTION_LIMITS, inProcessUpstream, type LiveAccess, type LiveSessions, type SubscriptionLimits, useEndUnsentSubscriptions, useEventStreamErrorsInStream, useLiveAccess, useSubscriptions } from "./subscriptions";
import { useContractErrorCodes } from "./error-codes";
import { useInProcessSubgraphs, type LocalSubgraph } from "./in-process";
import { useFieldSuggestions, useQueryLimits, type QueryLimits } from "./limits";
import { maskGatewayError } from "./mask-errors";
import { clientAddress, rateLimited, type RateLimiter } from "./rate-limit";
import { useRequestLog } from "./request-log";
import { runtimeLogger } from "./runtime-log";

export interface GatewayOptions {
  /** The supergraph, or where to read it again after `invalidateUnifiedGraph()` (a reload lets requests in flight finish on the old one). */
  supergraphSdl: string | (() => string);
  authenticate: Authenticator;
  internalSecret: string;
  introspection: boolean;
  /** Per-subscription buffering and slow-client cut-off (defaults: 100 results, 30 s). */
  subscriptions?: SubscriptionLimits;
  /** Depth, aliases, tokens and cost (QUERY_TOO_COMPLEX); none when omitted. */
  queryLimits?: QueryLimits;
  /** Operations allowed in one batched request (a JSON array); batching is off when omitted. */
  maxBatch?: number;
  /** "Did you mean ...?" in errors (default: on). */
  fieldSuggestions?: boolean;
  /** Requests per minute per API key (admin exempt) and per anonymous client address; none when omitted. */
  rateLimiter?: RateLimiter;
  /** Take the client's address from X-Forwarded-For (behind a trusted reverse proxy). */
  trustProxy?: boolean;
  /** Subgraphs in this process, by name: queries, mutations and subscriptions call them directly instead of over HTTP and WebSockets. */
  inProcess?: Record<string, LocalSubgraph>;
  /** Immutable entities (./entity-cache.ts) remembered across requests, at most this many; none when 0 or omitted. */
  entityCacheSize?: number;
  /** Live sockets and subscriptions (./subscriptions/live-sessions.ts): SSE subscriptions are counted against their key there. */
  liveSessions?: LiveSessions;
  /** What each key holds open (sockets, subscriptions), ended when the key is revoked; nothing is held when omitted. */
  liveAccess?: LiveAccess;
  /** "rust" (default): @graphql-hive/router-runtime; "javascript": the runtime's own planner (kept for the bench). */
  queryPlanner?: "rust" | "javascript";
}

export interface GatewayContext {
  principal: Principal | null;
}

/** Turns a rule failure raised while building the context into an error the client sees with its code. */
const asGraphQLError = (error: unknown): unknown =>
  error instanceof DomainError ? new GraphQLError(error.message, { extensions: { code: error.code } }) : error;

/**
 * Authenticates the caller once per request (HTTP `Authorization` header, or
 * the WebSocket's `connectionParams.authorization`) and puts the principal in
 * the context, from where it is signed into every subgraph request.
 */
function useAuthentication(authenticate: Authenticator, rateLimiter?: RateLimiter, trustProxy = false, live?: LiveAccess): GatewayPlugin<GatewayContext> {
  /** Counts one request against a bucket; over the limit it is RATE_LIMITED. */
  const count = async (bucket: string) => {
    if (!rateLimiter) return;
    const verdict = await rateLimiter.hit(bucket);
    if (!verdict.allowed) throw rateLimited(verdict.retryAfterMs);
  };
  return {
    async onContextBuilding({ context, extendContext }) {
      const ctx = context as unknown as {
        request?: Request;
        req?: { socket?: { remoteAddress?: string } };
        clientAddress?: string;
        connectionParams?: Record<string, unknown>;
        principal?: Principal | null;
      };
      if (ctx.principal !== undefined) return;
      const header =
        (ctx.connectionParams?.authorization as string | undefined) ??
        (ctx.connectionParams?.Authorization as string | undefined) ??
        ctx.request?.headers.get("authorization");
      const address = () =>
        clientAddress(ctx.clientAddress ?? ctx.req?.socket?.remoteAddress, ctx.request?.headers.get("x-forwarded-for"), trustProxy);
      let principal: Principal | null;
      let key: string | undefined;
      const mark = live?.mark() ?? 0;
      try {
        key = bearerKey(header);
        principal = key === undefined ? null : await authenticate(key);
      } catch (error) {
        // Guessing keys costs the guesser's address its budget too.
        if ((error as { extensions?: { code?: string } }).extensions?.code === "UNAUTHENTICATED") await count(`address:${address()}`);
        throw asGraphQLError(error);
      }
      // Per key (its account, so that rotating a key does not reset the count); the admin is exempt.
      if (principal === null) await count(`address:${address()}`);
      else if (principal.kind !== "ADMIN") await count(`account:${principal.id}`);
      // What this key opens (its socket, a subscription over HTTP) ends when the key is revoked.
      if (principal?.id && key) live?.noteKey(context, principal.id, key, mark);
      extendContext({ principal });
    },
  };
}

/**
 * The Hive Gateway runtime over the composed supergraph, planning with the
 * Rust query planner (faster than the JavaScript planner: `npm run bench:graph`).
 */
export function createGateway(options: GatewayOptions) {
  const { internalSecret } = options;
  return createGatewayRuntime<GatewayContext>({
    supergraph: options.supergraphSdl,
    // Requests in flight when the supergraph is replaced finish on the one they started with.
    ...(typeof options.supergraphSdl === "function" ? { gracefulSchemaReload: { drainTimeout: 60_000 } } : {}),
    ...(options.queryPlanner === "javascript" ? {} : { unifiedGraphHandler }),
    // Its own lines go out as ours: JSON on stdout at LOG_LEVEL, without query texts or variables.
    logging: runtimeLogger(),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // CORS is the HTTP server's, by allow-list (./http-server.ts): the runtime would let any origin in, with credentials.
    cors: false,
    graphiql: false,
    // A subgraph that cannot be reached is SERVICE_UNAVAILABLE; other internals are masked, never with a stack.
    maskedErrors: { maskError: maskGatewayError, isDev: false },
    batching: options.maxBatch ? { limit: options.maxBatch } : false,
    disableIntrospection: options.introspection ? undefined : { disableIf: () => true },
    propagateHeaders: {
      // Anonymous requests are signed too: a subgraph serves nothing that does not come from a gateway.
      fromClientToSubgraphs: async ({ context }) => ({ [PRINCIPAL_HEADER]: await signPrincipal((context as Partial<GatewayContext>).principal ?? null, internalSecret) }),
    },
    // Subscriptions go to the subgraphs over WebSockets of their own, or by direct calls in this process (see ./subscriptions/).
    plugins: (configContext) => [
      // First, so that its request span holds everything the others do (none when tracing is off).
      ...gatewayTracingPlugins(configContext),
      // Limits first: a request they refuse costs no key look-up and no rate budget.
      ...(options.queryLimits ? useQueryLimits(options.queryLimits) : []),
      ...useFieldSuggestions(options.fieldSuggestions ?? true),
      useAuthentication(options.authenticate, options.rateLimiter, options.trustProxy, options.liveAccess),
      useContractErrorCodes(),
      useEventStreamErrorsInStream(),
      useSubscriptions(
        options.subscriptions ?? DEFAULT_SUBSCRIPTION_LIMITS,
        Object.fromEntries(Object.entries(options.inProcess ?? {}).map(([name, s]) => [name, inProcessUpstream(s, internalSecret)])),
        options.liveSessions,
      ),
      useEndUnsentSubscriptions(),
      ...(options.liveAccess ? [useLiveAccess(options.liveAccess)] : []),
      ...(options.inProcess ? [useInProcessSubgraphs(options.inProcess, internalSecret)] : []),
      // After the in-process executors: it wraps whichever executor reaches the subgraph.
      ...(options.entityCacheSize ? [useEntityCache(options.entityCacheSize)] : []),
      // Last: it reads the results as they leave and times the subgraph executor the others settled on.
      useRequestLog(),
    ],
  });
}

export type Gateway = ReturnType<typeof createGateway>;
