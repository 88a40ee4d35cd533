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
import { DEFAULT_MAX_NESTING, DEFAULT_MAX_REPEATED_PAIRS, checkQueryShape } from "./query-shape";

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

/**
 * A request refused by a query limit. Like every other GraphQL error
 * (GraphQL-over-HTTP), HTTP 200 to a client that accepts only
 * `application/json`, 400 to one that accepts `application/graphql-response+json`.
 */
export const tooComplex = (message: string) =>
  new GraphQLError(message, { extensions: { code: "QUERY_TOO_COMPLEX", http: { spec: true, status: 400 } } });

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

/** Nesting (fields, inline fragments and fragment spreads) beyond which the estimate refuses rather than recurse. */
const MAX_NESTING = DEFAULT_MAX_NESTING;

/**
 * A cost estimate that accounts for list sizes: every field costs 1, times
 * the sizes of the lists it sits in. A field with `first` multiplies what is
 * below it by `max(first, 1)` (its `edges` list is that page, so it does not
 * multiply again; a page of 0 still costs what one item would, so that
 * `first: 0` cannot hide a selection's size); any other list field by
 * UNBOUNDED_LIST_SIZE. Fragments are costed once per spread, as if expanded,
 * so a fragment bomb costs what it would fetch; but each fragment's cost is
 * computed once and remembered, so the estimate itself takes time linear in
 * the document, whatever the expansion would come to. Sums and products
 * saturate just past `stopAbove`: the figure returned is exact up to there.
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

  const cap = Number.isFinite(stopAbove) ? stopAbove + 1 : Number.MAX_VALUE;
  const add = (a: number, b: number) => Math.min(a + b, cap);
  const times = (a: number, b: number) => Math.min(a * b, cap);
  /** A fragment's cost per spread, by the type it is read as and whether it sits right under a connection. */
  const perSpread = new Map<string, number>();
  const costing = new Set<string>();

  const cost = (set: SelectionSetNode, type: GraphQLCompositeType, inConnection: boolean, depth: number): number => {
    if (depth > MAX_NESTING) throw tooComplex("The query nests too deeply to estimate its cost");
    let total = 0;
    for (const selection of set.selections) {
      if (total >= cap) return cap;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment) continue;
        const condition = schema.getType(fragment.typeCondition.name.value);
        const as = isCompositeType(condition) ? condition : type;
        const key = `${fragment.name.value}:${as.name}:${inConnection}`;
        let unit = perSpread.get(key);
        if (unit === undefined) {
          // A fragment that spreads itself is invalid and refused by validation; do not loop on it.
          if (costing.has(key)) continue;
          costing.add(key);
          unit = cost(fragment.selectionSet, as, inConnection, depth + 1);
          costing.delete(key);
          perSpread.set(key, unit);
        }
        total = add(total, unit);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        total = add(total, cost(selection.selectionSet, isCompositeType(condition) ? condition : type, inConnection, depth + 1));
        continue;
      }
      total = add(total, 1);
      if (!selection.selectionSet || !("getFields" in type)) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      const childType = getNamedType(field.type);
      if (!isCompositeType(childType)) continue;
      const first = pageSize(field, selection.arguments ?? [], variables);
      let factor = 1;
      if (first !== undefined) factor = Math.max(first, 1);
      else if (isListType(getNullableType(field.type)) && !inConnection) factor = UNBOUNDED_LIST_SIZE;
      const childIsConnection = first !== undefined && childType.name.endsWith("Connection");
      total = add(total, times(factor, cost(selection.selectionSet, childType, childIsConnection, depth + 1)));
    }
    return total;
  };
  return cost(operation.selectionSet, root, false, 0);
}

/**
 * The gateway's query limits (SEMANTICS.md, "Limits"), each refusing a
 * request with QUERY_TOO_COMPLEX before anything is planned or sent to a
 * subgraph: tokens while parsing, then the document's size once its
 * fragments are expanded (./query-shape.ts) before it is validated, depth
 * and aliases while validating (graphql-armor), and the list-aware cost once
 * the variables are known.
 */
export function useQueryLimits(limits: QueryLimits): GatewayPlugin[] {
  const shapeLimits = { maxFields: limits.maxTokens, maxRepeatedPairs: DEFAULT_MAX_REPEATED_PAIRS, maxNesting: DEFAULT_MAX_NESTING };
  // Runs as part of parsing so that the parse cache remembers the verdict: a refused text is refused again without any work.
  const parseWithTokenLimit = (source: any, options: any) => {
    let document: DocumentNode;
    try {
      document = new MaxTokensParserWLexer(source, { ...options, n: limits.maxTokens }).parseDocument();
    } catch (error) {
      if (error instanceof GraphQLError && /Token limit/.test(error.message)) {
        throw tooComplex(`The query has more than ${limits.maxTokens} tokens`);
      }
      // The parser recurses once per nesting level: thousands of them overflow the stack.
      if (error instanceof RangeError) throw tooComplex("The query nests too deeply to parse");
      throw error;
    }
    const shape = checkQueryShape(document, shapeLimits);
    if (!shape.ok) throw tooComplex(shape.reason);
    return document;
  };
  const checkCost = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: unknown) => {
    const cost = estimateCost(schema, document, operationName, (variables ?? {}) as Record<string, unknown>, limits.maxCost);
    return cost > limits.maxCost ? tooComplex(`The query's estimated cost is over the limit of ${limits.maxCost}; ask for smaller pages or fewer nested lists`) : null;
  };
  return [
    { onParse: ({ setParseFn }) => setParseFn(parseWithTokenLimit as never) },
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, propagateOnRejection: false, onReject: [report] }) as GatewayPlugin,
    // `__typename` counts too (graphql-armor lets it through by default): a thousand of them are a thousand fields to plan and answer.
    maxAliasesPlugin({ n: limits.maxAliases, allowList: [], propagateOnRejection: false, onReject: [report] }) as GatewayPlugin,
    {
      // graphql-js stops comparing fields that share a name after a fixed budget of work ("Validation aborted."):
      // a document built to exhaust it is too complex, not malformed.
      onValidate: () => ({ result, setResult }) => {
        if (result.some((error) => error.message === "Validation aborted.")) {
          setResult([tooComplex("The query repeats the same fields too many times to be checked")]);
        }
      },
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
