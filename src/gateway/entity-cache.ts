import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import type { ExecutionRequest, ExecutionResult } from "@graphql-tools/utils";
import { Kind, print, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import { LRUCache } from "lru-cache";
import { Counter, Registry } from "prom-client";

/**
 * Entities whose fields never change once created, by subgraph and type: the
 * fields the gateway may remember. Sellers, marketplaces (their accounts'
 * part: the settings live in the exchange) and products have no mutation
 * that changes them and are never deleted. A field not listed here is never
 * cached: adding one to these types means deciding here whether it can be.
 */
export const IMMUTABLE_ENTITIES: Record<string, Record<string, readonly string[]>> = {
  accounts: { Seller: ["id", "name", "createdAt"], Marketplace: ["id", "name", "createdAt"] },
  catalog: { Product: ["id", "gtin", "name"] },
};

/** The cache's hits and misses, for `/metrics` (process-wide, like the database counters). */
export const entityCacheRegistry = new Registry();

const entityFetches = new Counter({
  name: "offergate_gateway_entity_cache_total",
  help: "Entities the gateway asked a subgraph for, by whether its cache of immutable entities answered (hit) or the subgraph did (miss)",
  labelNames: ["result"] as const,
  registers: [entityCacheRegistry],
});

type Entity = Record<string, unknown>;
interface Representation {
  __typename: string;
  id?: unknown;
}

/** One `_entities` field of a fetch: where its answer goes, where its representations come from, what it selects. */
interface EntitiesField {
  alias: string;
  variable: string;
  selection: string;
}

/**
 * The `_entities` fields of a fetch (the planner batches several into one,
 * aliased), when every field of the fetch is one and asks only for listed
 * fields of listed types, each with representations of its own variable;
 * else undefined.
 */
export function cacheableFetch(document: DocumentNode, types: Record<string, readonly string[]>): EntitiesField[] | undefined {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.operation !== "query") return undefined;
  const only = (set: SelectionSetNode, fields: readonly string[]): boolean =>
    set.selections.every(
      (s) => s.kind === Kind.FIELD && !s.selectionSet && !s.directives?.length && (s.name.value === "__typename" || fields.includes(s.name.value)),
    );
  const found: EntitiesField[] = [];
  for (const root of operation.selectionSet.selections) {
    if (root.kind !== Kind.FIELD || root.name.value !== "_entities" || !root.selectionSet || root.directives?.length) return undefined;
    const argument = root.arguments?.find((a) => a.name.value === "representations");
    if (root.arguments?.length !== 1 || argument?.value.kind !== Kind.VARIABLE) return undefined;
    for (const s of root.selectionSet.selections) {
      if (s.kind === Kind.FIELD && s.name.value === "__typename" && !s.alias) continue;
      if (s.kind !== Kind.INLINE_FRAGMENT || !s.typeCondition || s.directives?.length) return undefined;
      const fields = types[s.typeCondition.name.value];
      if (!fields || !only(s.selectionSet, fields)) return undefined;
    }
    found.push({ alias: root.alias?.value ?? root.name.value, variable: argument.value.name.value, selection: print(root.selectionSet) });
  }
  const distinct = (xs: string[]) => new Set(xs).size === xs.length;
  return found.length > 0 && distinct(found.map((f) => f.alias)) && distinct(found.map((f) => f.variable)) ? found : undefined;
}

/**
 * Remembers the immutable entities (IMMUTABLE_ENTITIES) that subgraphs
 * return to `_entities` fetches, at most `size` of them (least recently used
 * go first), so that a query naming the same seller or product again does
 * not ask for it again; a fetch asks the subgraph only for the entities not
 * remembered, and none at all when every one is. Only whole answers are
 * remembered: a fetch with errors, and an entity that was not found, are
 * not.
 */
export function useEntityCache(size: number): GatewayPlugin {
  const entities = new LRUCache<string, Entity>({ max: size });
  const fetches = new WeakMap<DocumentNode, EntitiesField[] | null>();
  return {
    onSubgraphExecute({ subgraphName, executionRequest, executor, setExecutor }) {
      const types = IMMUTABLE_ENTITIES[subgraphName];
      if (!types || executionRequest.operationType !== "query") return;
      let fields = fetches.get(executionRequest.document);
      if (fields === undefined) {
        fields = cacheableFetch(executionRequest.document, types) ?? null;
        fetches.set(executionRequest.document, fields);
      }
      if (!fields) return;
      const plan = fields;
      const keyOf = (r: Representation, selection: string) =>
        r && Object.hasOwn(types, r.__typename) && typeof r.id === "string" ? `${subgraphName}:${r.__typename}:${r.id}:${selection}` : undefined;
      setExecutor(async (request: ExecutionRequest): Promise<ExecutionResult> => {
        const variables = request.variables ?? {};
        const asked = plan.map((f) => {
          const representations = variables[f.variable];
          if (!Array.isArray(representations)) return undefined;
          const keys = (representations as Representation[]).map((r) => keyOf(r, f.selection));
          const found = keys.map((k) => (k ? entities.get(k) : undefined));
          return { ...f, representations: representations as Representation[], keys, found, missing: found.flatMap((e, i) => (e ? [] : [i])) };
        });
        if (asked.some((a) => a === undefined)) return (await executor(request)) as ExecutionResult;
        const all = asked as NonNullable<(typeof asked)[number]>[];
        const total = all.reduce((n, a) => n + a.representations.length, 0);
        const missing = all.reduce((n, a) => n + a.missing.length, 0);
        entityFetches.inc({ result: "hit" }, total - missing);
        entityFetches.inc({ result: "miss" }, missing);
        if (missing > 0) {
          // Asks only for what is missing (a field with none asks for an empty list).
          const whole = missing === total;
          const narrowed = whole
            ? request
            : { ...request, variables: { ...variables, ...Object.fromEntries(all.map((a) => [a.variable, a.missing.map((i) => a.representations[i])])) } };
          const result = (await executor(narrowed)) as ExecutionResult<Record<string, (Entity | null)[] | undefined>>;
          const answers = all.map((a) => result.data?.[a.alias]);
          if (result.errors?.length || all.some((a, n) => !Array.isArray(answers[n]) || answers[n]!.length !== a.missing.length)) {
            // Not a whole answer: passed on as it is when it answers the whole fetch, else the whole fetch is asked for.
            return whole ? result : ((await executor(request)) as ExecutionResult);
          }
          all.forEach((a, n) =>
            a.missing.forEach((i, j) => {
              const entity = answers[n]![j];
              a.found[i] = entity ?? undefined;
              // Copies, here and below: the planner merges what it gets into its own objects.
              if (entity && a.keys[i]) entities.set(a.keys[i]!, { ...entity });
            }),
          );
          if (whole) return result;
        }
        return { data: Object.fromEntries(all.map((a) => [a.alias, a.found.map((e) => (e ? { ...e } : null))])) };
      });
    },
  };
}
