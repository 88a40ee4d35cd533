import { isAsyncIterable, type ExecutionRequest, type ExecutionResult } from "@graphql-tools/utils";
import { parse, subscribe, type DocumentNode, type GraphQLError, type GraphQLSchema } from "graphql";
import { gatewaySubscriptions, gatewaySubscriptionsEnded } from "../../shared/feed-metrics";
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from "../../shared/principal";
import { withContractCodes } from "../error-codes";
import { asGatewayResult, type LocalSubgraph } from "../in-process";
import { cursorOf, interruptedResult, UPSTREAM_CLOSED, type Interruption } from "./interruptions";
import { maskGatewayError } from "../mask-errors";
import type { ClientOperation } from "./shared";
import { bufferedSubscription, clientResults, DEFAULT_SUBSCRIPTION_LIMITS, type SubscriptionLimits, type Upstream } from "./plan";
import { webSocketUpstream } from "./websocket-upstream";
import { validSubscriptionFor } from "./workaround-graphql-js-missing-subscription-type";

/** The results of a subscription straight from the subgraph that alone answers it, or undefined when none does (or it refused). */
export type DirectSubscribe = (operation: ClientOperation, principal: Principal | null) => Promise<AsyncIterable<ExecutionResult> | undefined>;

/** A subgraph that may answer a subscription alone: its schema, and how a subscription to it starts. */
export interface DirectSubgraph {
  schema: GraphQLSchema;
  /** The client's results of `operation` (parsed as `document`), or undefined when the subgraph refused it at once. */
  subscribe(document: DocumentNode, operation: ClientOperation, principal: Principal | null): Promise<AsyncIterable<ExecutionResult> | undefined>;
}

/** Operations remembered (by their text) with the subgraph that answers them; forgotten all at once past this many. */
const REMEMBERED = 1_000;

/**
 * A shared live subscription (./shared.ts) that one subgraph
 * answers alone, because the whole operation validates against that
 * subgraph's own schema (`offerFeed` without `offer { product { name } }`,
 * say), takes its results from that subgraph directly, once the gateway has
 * taken it through all its rules: by a call in this process
 * (`inProcessDirect`) or over a WebSocket of its own (`webSocketDirect`).
 * The gateway's own way runs each event through Hive's plan and then
 * through every plugin's handling of results, each a layer of async
 * iteration; here each result gets only what those layers would do to it:
 * the subgraph's formatting of errors, the gateway's masking, the contract's
 * codes, and, if the subgraph's stream breaks, the same UPSTREAM_CLOSED
 * interruption with the cursor to resume from. For 100 events that is
 * several milliseconds less between an event and its writes.
 */
export function directSubscriptions(subgraphs: DirectSubgraph[]): DirectSubscribe {
  const answering = new Map<string, { subgraph: DirectSubgraph; document: DocumentNode } | null>();
  const answeredBy = (query: string) => {
    let found = answering.get(query);
    if (found === undefined) {
      const document = parse(query);
      const subgraph = subgraphs.find((s) => validSubscriptionFor(s.schema, document));
      found = subgraph ? { subgraph, document } : null;
      if (answering.size >= REMEMBERED) answering.clear();
      answering.set(query, found);
    }
    return found;
  };
  return async (operation, principal) => {
    const found = answeredBy(operation.query);
    return found ? found.subgraph.subscribe(found.document, operation, principal) : undefined;
  };
}

/** A subgraph in this process: `subscribe` on its schema, with its own context for the principal. A refusal is left to the plan. */
export function inProcessDirect(subgraph: LocalSubgraph): DirectSubgraph {
  return {
    schema: subgraph.schema,
    subscribe: async (document, operation, principal) => {
      const result = await subscribe({
        schema: subgraph.schema,
        document,
        variableValues: operation.variables ?? undefined,
        operationName: operation.operationName ?? undefined,
        contextValue: await subgraph.createContext(principal),
      });
      return isAsyncIterable(result) ? asClientResults(result) : undefined;
    },
  };
}

/**
 * A subgraph in another process, at `url`: the client's operation as it is,
 * over a WebSocket of its own with the principal signed into its
 * `extensions.headers`, as the gateway's own subscriptions reach it
 * (./plan.ts: the same bounded buffer, and the same interruption
 * when the connection is lost). The subgraph's refusal arrives as a result
 * (its errors, with their codes), as it would through the plan.
 */
export function webSocketDirect(
  schema: GraphQLSchema,
  url: string,
  internalSecret: string,
  limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS,
): DirectSubgraph {
  const wsUrl = url.replace(/^http/, "ws");
  return {
    schema,
    subscribe: async (document, operation, principal) => {
      const request: ExecutionRequest = {
        document,
        variables: operation.variables ?? undefined,
        operationName: operation.operationName ?? undefined,
        extensions: { headers: { [PRINCIPAL_HEADER]: await signPrincipal(principal, internalSecret) } },
      };
      const own = webSocketUpstream(wsUrl, request);
      const upstream: Upstream = (sink) =>
        own({
          // Formatted by the subgraph's server already.
          next: (result) => sink.next(asMaskedResult(result)),
          fail: (errors) => sink.fail(asMaskedResult({ errors }).errors!),
          lost: () => sink.lost(),
          complete: () => sink.complete(),
        });
      let interruption: Interruption | undefined;
      return clientResults(
        bufferedSubscription(upstream, request, limits, (why) => (interruption = why)),
        () => interruption,
      );
    },
  };
}

/** A result with the subgraph's errors as the gateway would pass them on: masked, with the contract's codes. */
function asMaskedResult(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  // The masking returns GraphQLErrors (an Error only in its signature, as the runtime's hook wants).
  const masked: ExecutionResult = { ...result, errors: result.errors.map((e) => maskGatewayError(e, "Unexpected error.") as GraphQLError) };
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
        return { value: asMaskedResult(asGatewayResult(step.value)), done: false };
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
