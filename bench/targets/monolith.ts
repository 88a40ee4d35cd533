/**
 * The floor: one @apollo/server in one process serving the public schema,
 * every field resolved by the same resolver code, services and DataLoaders
 * as in the subgraphs, with no query planning and no request between parts.
 * Where a field belongs to another subgraph than its parent object came from
 * (an offer's product), the object is turned into that subgraph's one through
 * its `__resolveReference`, i.e. the same batched loader a monolith's
 * relation field would call. Anonymous requests only (the bench's queries).
 */
import "reflect-metadata";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { MapperKind, mapSchema } from "@graphql-tools/utils";
import {
  buildSchema,
  defaultFieldResolver,
  GraphQLObjectType,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import { composeSupergraph, subgraphSdl } from "../../src/shared/federation";
import { formatError } from "../../src/shared/errors";
import { runTarget, subgraphs, targetConfig } from "./common";

interface Local {
  schema: GraphQLSchema;
  createContext(principal: null): unknown;
}

interface MonolithContext {
  contexts: Map<string, unknown>;
}

type Resolver = GraphQLFieldResolver<unknown, MonolithContext>;

/** Which subgraph produced an object, so that its fields are resolved by that subgraph when it has them. */
const origin = new WeakMap<object, string>();
/** An object as another subgraph's entity, resolved once per object and subgraph. */
const converted = new WeakMap<object, Map<string, unknown>>();

const isObject = (v: unknown): v is object => typeof v === "object" && v !== null;

function tag(value: unknown, subgraph: string): unknown {
  if (Array.isArray(value)) for (const item of value) tag(item, subgraph);
  else if (isObject(value) && !origin.has(value)) origin.set(value, subgraph);
  return value;
}

const then = <T, R>(value: T | Promise<T>, f: (v: T) => R | Promise<R>): R | Promise<R> =>
  value instanceof Promise ? value.then(f) : f(value);

export function buildMonolith(publicSdl: string, locals: Record<string, Local>): GraphQLSchema {
  const owners = new Map<string, string[]>();
  for (const [name, { schema }] of Object.entries(locals)) {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!(type instanceof GraphQLObjectType) || type.name.startsWith("_")) continue;
      for (const field of Object.keys(type.getFields())) {
        const key = `${type.name}.${field}`;
        owners.set(key, [...(owners.get(key) ?? []), name]);
      }
    }
  }
  const contextOf = (ctx: MonolithContext, subgraph: string): unknown => {
    let c = ctx.contexts.get(subgraph);
    if (c === undefined) ctx.contexts.set(subgraph, (c = locals[subgraph]!.createContext(null)));
    return c;
  };
  const asEntityOf = (parent: object, typeName: string, subgraph: string, ctx: unknown, info: GraphQLResolveInfo): unknown => {
    let bySubgraph = converted.get(parent);
    if (!bySubgraph) converted.set(parent, (bySubgraph = new Map()));
    if (bySubgraph.has(subgraph)) return bySubgraph.get(subgraph);
    const type = locals[subgraph]!.schema.getType(typeName)!;
    const resolveReference = (type.extensions as { apollo?: { subgraph?: { resolveReference?: Function } } }).apollo?.subgraph
      ?.resolveReference;
    const reference = { __typename: typeName, id: (parent as { id: string }).id };
    const entity = then(resolveReference ? resolveReference(reference, ctx, info) : reference, (e) => tag(e, subgraph));
    bySubgraph.set(subgraph, entity);
    return entity;
  };

  const resolverFor = (typeName: string, fieldName: string, root: boolean): Resolver => {
    const candidates = owners.get(`${typeName}.${fieldName}`);
    if (!candidates?.length) throw new Error(`no subgraph resolves ${typeName}.${fieldName}`);
    const fields = Object.fromEntries(
      candidates.map((s) => [s, (locals[s]!.schema.getType(typeName) as GraphQLObjectType).getFields()[fieldName]!.resolve ?? defaultFieldResolver]),
    ) as Record<string, Resolver>;
    return (parent, args, ctx, info) => {
      const from = isObject(parent) ? origin.get(parent) : undefined;
      const subgraph = from !== undefined && from in fields ? from : candidates[0]!;
      const subCtx = contextOf(ctx, subgraph) as MonolithContext;
      const self = root || from === subgraph || !isObject(parent) ? parent : asEntityOf(parent, typeName, subgraph, subCtx, info);
      return then(self, (p) => then(fields[subgraph]!(p, args, subCtx, info), (v) => tag(v, subgraph)));
    };
  };

  return mapSchema(buildSchema(publicSdl), {
    [MapperKind.SCALAR_TYPE]: (type) => (type.name === "DateTime" ? DateTimeResolver : type),
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName, schema) => {
      const root = [schema.getQueryType()?.name, schema.getMutationType()?.name].includes(typeName);
      return { ...config, resolve: resolverFor(typeName, fieldName, root) };
    },
  });
}

runTarget(async () => {
  const { app } = await subgraphs({ ...targetConfig(), subgraphUrls: {} });
  const locals = app!.local;
  const { publicSdl } = composeSupergraph(
    Object.values(app!.subgraphs).map((s) => ({ name: s.name, url: s.url, sdl: subgraphSdl(s.schema) })),
  );
  const server = new ApolloServer<MonolithContext>({
    schema: buildMonolith(publicSdl, locals as Record<string, Local>),
    formatError,
    stopOnTerminationSignals: false,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: "127.0.0.1" },
    context: async () => ({ contexts: new Map() }),
  });
  return new URL("/graphql", url).toString();
});
