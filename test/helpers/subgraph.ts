import { randomBytes } from "node:crypto";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { GraphQLFormattedError } from "graphql";
import type { Connection } from "mongoose";
import { createAccountsSubgraph } from "../../src/accounts";
import { createCatalogSubgraph } from "../../src/catalog";
import { formatError } from "../../src/shared/errors";
import type { Principal } from "../../src/shared/principal";
import type { SubgraphServerOptions } from "../../src/shared/subgraph-server";

export const ADMIN: Principal = { kind: "ADMIN", id: null };
export const SERVICE: Principal = { kind: "SERVICE", id: null };
export const sellerPrincipal = (id: string): Principal => ({ kind: "SELLER", id });
export const marketplacePrincipal = (id: string): Principal => ({ kind: "MARKETPLACE", id });

export interface ExecutionResult<TData> {
  data?: TData | null;
  errors?: readonly GraphQLFormattedError[];
}

export interface SubgraphHarness<TServices> {
  services: TServices;
  options: SubgraphServerOptions<any>;
  /**
   * Executes an operation against the subgraph's schema as its server would:
   * a fresh context (fresh loaders) for `principal`, the shared `formatError`,
   * and the result serialised as JSON.
   */
  execute<TData = Record<string, any>, TVariables = Record<string, unknown>>(
    query: TypedDocumentNode<TData, TVariables> | string,
    variables?: TVariables,
    principal?: Principal | null,
  ): Promise<ExecutionResult<TData>>;
  stop(): Promise<void>;
}

async function harness<TServices>(
  options: SubgraphServerOptions<BaseContext> & { services: TServices },
): Promise<SubgraphHarness<TServices>> {
  const server = new ApolloServer<BaseContext>({
    schema: options.schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await server.start();
  return {
    services: options.services,
    options,
    async execute(query, variables, principal = null) {
      const response = await server.executeOperation(
        { query: query as string, variables: (variables ?? {}) as Record<string, unknown> },
        { contextValue: await options.createContext(principal) },
      );
      if (response.body.kind !== "single") throw new Error("expected a single result");
      // Through JSON, as a client would see it (dates become ISO strings).
      return JSON.parse(JSON.stringify(response.body.singleResult)) as ExecutionResult<any>;
    },
    stop: () => server.stop(),
  };
}

export const testSecret = (): string => randomBytes(32).toString("base64url");

/** The accounts subgraph on `connection`, with the admin key `adminApiKey`. */
export async function accountsHarness(connection: Connection, adminApiKey = `og_admin_${randomBytes(18).toString("base64url")}`) {
  const options = await createAccountsSubgraph({ connection, adminApiKey, internalSecret: testSecret() });
  return Object.assign(await harness(options as never), { adminApiKey }) as SubgraphHarness<typeof options.services> & {
    adminApiKey: string;
  };
}

/** The catalog subgraph on `connection`. */
export async function catalogHarness(connection: Connection) {
  const options = await createCatalogSubgraph({ connection, internalSecret: testSecret() });
  return (await harness(options as never)) as SubgraphHarness<typeof options.services>;
}
