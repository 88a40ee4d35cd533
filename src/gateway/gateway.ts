import { createGatewayRuntime, type GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { unifiedGraphHandler } from "@graphql-hive/router-runtime";
import { GraphQLError } from "graphql";
import { DomainError } from "../shared/errors";
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from "../shared/principal";
import { bearerKey, type Authenticator } from "./authenticate";
import { useContractErrorCodes } from "./error-codes";
import { DEFAULT_SUBSCRIPTION_LIMITS, useSubscriptions, type SubscriptionLimits } from "./subscriptions";

export interface GatewayOptions {
  supergraphSdl: string;
  authenticate: Authenticator;
  internalSecret: string;
  introspection: boolean;
  logLevel: string;
  /** Per-subscription buffering and slow-client cut-off (defaults: 100 results, 30 s). */
  subscriptions?: SubscriptionLimits;
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
function useAuthentication(authenticate: Authenticator): GatewayPlugin<GatewayContext> {
  return {
    async onContextBuilding({ context, extendContext }) {
      const ctx = context as unknown as {
        request?: Request;
        connectionParams?: Record<string, unknown>;
        principal?: Principal | null;
      };
      if (ctx.principal !== undefined) return;
      const header =
        (ctx.connectionParams?.authorization as string | undefined) ??
        (ctx.connectionParams?.Authorization as string | undefined) ??
        ctx.request?.headers.get("authorization");
      try {
        const key = bearerKey(header);
        extendContext({ principal: key === undefined ? null : await authenticate(key) });
      } catch (error) {
        throw asGraphQLError(error);
      }
    },
  };
}

/**
 * The Hive Gateway runtime over the composed supergraph, planning with the
 * Rust query planner (measured here at over 3x the JavaScript planner; see
 * docs/benchmarks.md).
 */
export function createGateway(options: GatewayOptions) {
  const { internalSecret } = options;
  return createGatewayRuntime<GatewayContext>({
    supergraph: options.supergraphSdl,
    unifiedGraphHandler,
    logging: options.logLevel === "debug" ? "debug" : "error",
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: false,
    maskedErrors: true,
    disableIntrospection: options.introspection ? undefined : { disableIf: () => true },
    propagateHeaders: {
      fromClientToSubgraphs: ({ context }) => {
        const principal = (context as Partial<GatewayContext>).principal;
        return principal ? { [PRINCIPAL_HEADER]: signPrincipal(principal, internalSecret) } : {};
      },
    },
    // Subscriptions go to the subgraphs over WebSockets of their own (see ./subscriptions.ts).
    plugins: () => [
      useAuthentication(options.authenticate),
      useContractErrorCodes(),
      useSubscriptions(options.subscriptions ?? DEFAULT_SUBSCRIPTION_LIMITS),
    ],
  });
}

export type Gateway = ReturnType<typeof createGateway>;
