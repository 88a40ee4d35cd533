import { isAsyncIterable, type ExecutionResult } from "@graphql-tools/utils";
import { parse, subscribe, validate, type DocumentNode, type GraphQLError } from "graphql";
import { gatewaySubscriptions, gatewaySubscriptionsEnded } from "../shared/feed-metrics";
import type { Principal } from "../shared/principal";
import { withContractCodes } from "./error-codes";
import { asGatewayResult, type LocalSubgraph } from "./in-process";
import { cursorOf, interruptedResult, UPSTREAM_CLOSED } from "./interruptions";
import { maskGatewayError } from "./mask-errors";
import type { ClientOperation } from "./shared-subscriptions";

/** The results of a subscription straight from the subgraph that alone answers it, or undefined when none does (or it refused). */
export type DirectSubscribe = (operation: ClientOperation, principal: Principal | null) => Promise<AsyncIterable<ExecutionResult> | undefined>;

/** Operations remembered (by their text) with the subgraph that answers them; forgotten all at once past this many. */
const REMEMBERED = 1_000;

/**
 * In the embedded mode, a shared live subscription (./shared-subscriptions.ts)
 * that one subgraph in this process answers alone, because the whole
 * operation validates against that subgraph's own schema (`offerFeed`
 * without `offer { product { name } }`, say), takes its results from that
 * subgraph's `subscribe` directly, once the gateway has taken it through
 * all its rules. The gateway's own way runs each event through Hive's plan
 * and then through every plugin's handling of results, each a layer of
 * async iteration; here each result gets only what those layers would do to
 * it: the subgraph's formatting of errors, the gateway's masking, the
 * contract's codes, and, if the subgraph's stream breaks, the same
 * UPSTREAM_CLOSED interruption with the cursor to resume from. For 100
 * events that is several milliseconds less between an event and its writes
 * (docs/benchmarks.md, item 30).
 */
export function directSubscriptions(subgraphs: Record<string, LocalSubgraph>): DirectSubscribe {
  const answering = new Map<string, { subgraph: LocalSubgraph; document: DocumentNode } | null>();
  const answeredBy = (query: string) => {
    let found = answering.get(query);
    if (found === undefined) {
      const document = parse(query);
      // graphql-js finds nothing wrong with a subscription against a schema without a Subscription type.
      const subgraph = Object.values(subgraphs).find((s) => s.schema.getSubscriptionType() && validate(s.schema, document).length === 0);
      found = subgraph ? { subgraph, document } : null;
      if (answering.size >= REMEMBERED) answering.clear();
      answering.set(query, found);
    }
    return found;
  };
  return async (operation, principal) => {
    const found = answeredBy(operation.query);
    if (!found) return undefined;
    const result = await subscribe({
      schema: found.subgraph.schema,
      document: found.document,
      variableValues: operation.variables ?? undefined,
      operationName: operation.operationName ?? undefined,
      contextValue: await found.subgraph.createContext(principal),
    });
    return isAsyncIterable(result) ? asClientResults(result) : undefined;
  };
}

/** A subgraph result as the gateway would pass it on: errors formatted by the subgraph, masked, with the contract's codes. */
function asClientResult(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  const formatted = asGatewayResult(result);
  // The masking returns GraphQLErrors (an Error only in its signature, as the runtime's hook wants).
  const masked: ExecutionResult = { ...formatted, errors: formatted.errors!.map((e) => maskGatewayError(e, "Unexpected error.") as GraphQLError) };
  withContractCodes(masked);
  return masked;
}

/** The subgraph's results as the client's, counted among the subscriptions the gateway runs while they last. */
function asClientResults(results: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const inner = results[Symbol.asyncIterator]();
  const done = { value: undefined, done: true } as const;
  let resumeAfter: string | null = null;
  let ended = false;
  gatewaySubscriptions.inc();
  const end = () => {
    if (!ended) gatewaySubscriptions.dec();
    ended = true;
  };
  return {
    async next() {
      if (ended) return done;
      try {
        const step = await inner.next();
        if (step.done) {
          end();
          return done;
        }
        resumeAfter = cursorOf(step.value) ?? resumeAfter;
        return { value: asClientResult(step.value), done: false };
      } catch {
        end();
        gatewaySubscriptionsEnded.inc({ reason: UPSTREAM_CLOSED.reason });
        return { value: interruptedResult(UPSTREAM_CLOSED, resumeAfter), done: false };
      }
    },
    async return() {
      end();
      await inner.return?.();
      return done;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
