import { isAsyncIterable, type ExecutionRequest, type ExecutionResult } from "@graphql-tools/utils";
import { GraphQLError, subscribe } from "graphql";
import { logger } from "../../shared/logger";
import { asGatewayError, asGatewayResult, contextFor, type LocalSubgraph } from "../in-process";
import type { Upstream } from "./upstream";

/**
 * A subscription on a subgraph in this process: `subscribe` on its schema,
 * with its own context for the signed principal, and its results pulled one
 * at a time, only while the gateway's buffer has room. A direct pull is
 * backpressure enough: a subscription not pulled holds nothing but its place
 * in the exchange's feed, whose hub sends it back to reading the log at its
 * own pace. No socket per subscription, and no JSON in between.
 */
export function inProcessUpstream(subgraph: LocalSubgraph, internalSecret: string): (request: ExecutionRequest) => Upstream {
  return (request) => (sink) => {
    let paused = false;
    let disposed = false;
    let wake: (() => void) | null = null;
    let source: AsyncIterator<ExecutionResult> | undefined;
    const run = async () => {
      const contextValue = await contextFor(subgraph, request, internalSecret);
      if (contextValue instanceof GraphQLError) return sink.fail([asGatewayError(contextValue)]);
      const result = await subscribe({
        schema: subgraph.schema,
        document: request.document,
        variableValues: request.variables,
        operationName: request.operationName,
        contextValue,
      });
      if (!isAsyncIterable(result)) return sink.fail(asGatewayResult(result).errors ?? []);
      source = result[Symbol.asyncIterator]();
      while (!disposed) {
        if (paused) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const step = await source.next();
        if (disposed) break;
        if (step.done) return sink.complete();
        sink.next(asGatewayResult(step.value));
      }
      await source.return?.();
    };
    run().catch((error: unknown) => {
      logger.warn("in-process subscription failed", { subgraph: request.subgraphName, error: String(error) });
      sink.lost();
    });
    const resume = () => {
      paused = false;
      wake?.();
      wake = null;
    };
    return {
      pause: () => (paused = true),
      resume,
      dispose: () => {
        if (disposed) return;
        disposed = true;
        resume();
        // Ends a pull that is still waiting for the next event (the feed's streams end at once).
        void source?.return?.();
      },
    };
  };
}
