import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { MaxTokensParserWLexer } from "@escape.tech/graphql-armor-max-tokens";
import { blockFieldSuggestionsPlugin } from "@escape.tech/graphql-armor-block-field-suggestions";
import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isCompositeType,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type GraphQLCompositeType,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
}

/** A list without `first` (an offer's `forwards`, a marketplace's `sellers`) is assumed to hold this many. */
export const UNBOUNDED_LIST_SIZE = 10;
/** `first` above this is refused by the subgraphs anyway (100; 1000 for offerEvents): it costs no more than this. */
const MAX_PAGE = 1000;

export const tooComplex = (message: string) =>
  new GraphQLError(message, { extensions: { code: "QUERY_TOO_COMPLEX", http: { status: 400 } } });

/** graphql-armor reports a rejection as a "Syntax Error: ..." GraphQLError; ours carries the contract's code. */
const report = (context: ValidationContext | null, error: GraphQLError) =>
  context?.reportError(tooComplex(error.message.replace(/^Syntax Error: /, "")));

/**
 * The `first` a connection field will page by: the literal or variable the
 * client gave, else the argument's schema default; clamped to [0, MAX_PAGE].
 */
function pageSize(field: GraphQLField<unknown, unknown>, args: readonly { name: { value: string }; value: any }[], variables: Record<string, unknown>): number | undefined {
  const def = field.args.find((a) => a.name === "first");
  if (!def) return undefined;
  const given = args.find((a) => a.name.value === "first");
  let value: unknown = def.defaultValue;
  if (given) value = valueFromAST(given.value, def.type, variables) ?? def.defaultValue;
  const n = typeof value === "number" && Number.isFinite(value) ? value : 20;
  return Math.min(Math.max(Math.trunc(n), 0), MAX_PAGE);
}

/**
 * A cost estimate that accounts for list sizes: every field costs 1, times
 * the sizes of the lists it sits in. A field with `first` multiplies what is
 * below it by `first` (its `edges` list is that page, so it does not multiply
 * again); any other list field by UNBOUNDED_LIST_SIZE. Fragments are expanded
 * where they are spread, so a fragment bomb costs what it would fetch.
 * Returns as soon as the running total passes `stopAbove`.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> = {},
  stopAbove = Number.POSITIVE_INFINITY,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations.find((o) => (operationName ? o.name?.value === operationName : true));
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  let total = 0;
  const visit = (set: SelectionSetNode, type: GraphQLCompositeType, multiplier: number, inConnection: boolean, depth: number, seen: Set<string>): void => {
    if (depth > 256) throw tooComplex("The query nests too deeply to estimate its cost");
    for (const selection of set.selections) {
      if (total > stopAbove) return;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        // A fragment that spreads itself is invalid and refused by validation; do not loop on it.
        if (!fragment || seen.has(fragment.name.value)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value);
        const next = new Set(seen).add(fragment.name.value);
        visit(fragment.selectionSet, isCompositeType(condition) ? condition : type, multiplier, inConnection, depth + 1, next);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        visit(selection.selectionSet, isCompositeType(condition) ? condition : type, multiplier, inConnection, depth + 1, seen);
        continue;
      }
      total += multiplier;
      if (!selection.selectionSet || !("getFields" in type)) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      const childType = getNamedType(field.type);
      if (!isCompositeType(childType)) continue;
      const first = pageSize(field, selection.arguments ?? [], variables);
      let factor = 1;
      if (first !== undefined) factor = first;
      else if (isListType(getNullableType(field.type)) && !inConnection) factor = UNBOUNDED_LIST_SIZE;
      const childIsConnection = first !== undefined && childType.name.endsWith("Connection");
      visit(selection.selectionSet, childType, multiplier * factor, childIsConnection, depth + 1, seen);
    }
  };
  visit(operation.selectionSet, root, 1, false, 0, new Set());
  return total;
}

/**
 * The gateway's query limits (SEMANTICS.md, "Limits"), each refusing a
 * request with QUERY_TOO_COMPLEX before anything is planned or sent to a
 * subgraph: tokens while parsing, depth and aliases while validating
 * (graphql-armor), and the list-aware cost once the variables are known.
 */
export function useQueryLimits(limits: QueryLimits): GatewayPlugin[] {
  const parseWithTokenLimit = (source: any, options: any) => {
    try {
      return new MaxTokensParserWLexer(source, { ...options, n: limits.maxTokens }).parseDocument();
    } catch (error) {
      if (error instanceof GraphQLError && /Token limit/.test(error.message)) {
        throw tooComplex(`The query has more than ${limits.maxTokens} tokens`);
      }
      // The parser recurses once per nesting level: thousands of them overflow the stack.
      if (error instanceof RangeError) throw tooComplex("The query nests too deeply to parse");
      throw error;
    }
  };
  const checkCost = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: unknown) => {
    const cost = estimateCost(schema, document, operationName, (variables ?? {}) as Record<string, unknown>, limits.maxCost);
    return cost > limits.maxCost ? tooComplex(`The query's estimated cost is over the limit of ${limits.maxCost}; ask for smaller pages or fewer nested lists`) : null;
  };
  return [
    { onParse: ({ setParseFn }) => setParseFn(parseWithTokenLimit as never) },
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, propagateOnRejection: false, onReject: [report] }) as GatewayPlugin,
    maxAliasesPlugin({ n: limits.maxAliases, propagateOnRejection: false, onReject: [report] }) as GatewayPlugin,
    {
      onExecute({ args, setResultAndStopExecution }) {
        const error = checkCost(args.schema, args.document, args.operationName, args.variableValues);
        if (error) setResultAndStopExecution({ errors: [error] });
      },
      onSubscribe({ args, setResultAndStopExecution }) {
        const error = checkCost(args.schema, args.document, args.operationName, args.variableValues);
        if (error) setResultAndStopExecution({ errors: [error] });
      },
    },
  ];
}

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * Field suggestions ("Did you mean ...?") map the schema for a caller who
 * cannot introspect; off, they are cut from validation errors (graphql-armor)
 * and from every other error message the gateway returns.
 */
export function useFieldSuggestions(enabled: boolean): GatewayPlugin[] {
  if (enabled) return [];
  return [
    blockFieldSuggestionsPlugin({ mask: "" }) as GatewayPlugin,
    {
      onResultProcess({ result }) {
        for (const r of Array.isArray(result) ? result : [result]) {
          for (const error of (r as { errors?: GraphQLError[] } | null)?.errors ?? []) {
            if (!error.message.includes("Did you mean")) continue;
            Object.defineProperty(error, "message", { value: error.message.replace(SUGGESTION, "").trim(), writable: true, configurable: true, enumerable: true });
          }
        }
      },
    },
  ];
}
