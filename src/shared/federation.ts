import { buildSubgraphSchema, printSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { composeServices } from "@theguild/federation-composition";
import { parse, type GraphQLSchema } from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import { buildSchema, createResolversMap, type BuildSchemaOptions } from "type-graphql";

/** `{ TypeName: { __resolveReference, field: resolver } }`. */
export type ResolverMap = Record<string, Record<string, unknown>>;

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@interfaceObject"])`;

/**
 * Builds a Federation 2 subgraph schema from type-graphql resolvers.
 * `plainResolvers` are added to type-graphql's, field by field: each
 * entity's `__resolveReference`, and resolvers that must not pay type-graphql's
 * per-call work (a field given as `{ resolve }` keeps its `subscribe`). They
 * bypass type-graphql middleware, so they must authorise in services and
 * batch through a DataLoader.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, "skipCheck" | "scalarsMap">,
  plainResolvers: ResolverMap = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    ...options,
    skipCheck: true,
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // type-graphql insists on a PubSub once a schema has subscriptions, even
    // when every subscription brings its own `subscribe` (ours read the feed
    // log); this one refuses any topic-based use.
    pubSub: {
      publish: () => {
        throw new Error("topic-based subscriptions are not used");
      },
      subscribe: () => {
        throw new Error("topic-based subscriptions are not used");
      },
    },
  });
  const resolvers = createResolversMap(schema) as ResolverMap;
  for (const [typeName, fields] of Object.entries(plainResolvers)) {
    const type = (resolvers[typeName] ??= {});
    for (const [field, resolver] of Object.entries(fields)) {
      const current = type[field];
      type[field] = isFieldConfig(current) && isFieldConfig(resolver) ? { ...current, ...resolver } : resolver;
    }
  }
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
    resolvers: resolvers as never,
  });
}

const isFieldConfig = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

export interface SubgraphDefinition {
  name: string;
  url: string;
  sdl: string;
}

export const subgraphSdl = (schema: GraphQLSchema): string => printSubgraphSchema(schema);

export interface Composition {
  supergraphSdl: string;
  publicSdl: string;
}

/** Composes the supergraph (for the gateway) and the public API schema (what clients see). */
export function composeSupergraph(subgraphs: SubgraphDefinition[]): Composition {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) {
    throw new Error(`Supergraph composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join("\n")}`);
  }
  return { supergraphSdl: result.supergraphSdl, publicSdl: result.publicSdl };
}
