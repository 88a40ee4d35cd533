import type { ExecutionResult } from "@graphql-tools/utils";
import type { GraphQLError } from "graphql";

/** What a subscription's results come from: its subgraph, over a WebSocket or in this process. */
export interface UpstreamSink {
  next(result: ExecutionResult): void;
  /** The subgraph refused the operation (or failed it) with these errors: they end the subscription. */
  fail(errors: readonly GraphQLError[]): void;
  /** The connection to the subgraph was lost: the client is told to resume with its cursor. */
  lost(): void;
  complete(): void;
}

export interface UpstreamHandle {
  /** Stops taking results from the subgraph, if it can; true when it did. */
  pause(): boolean;
  resume(): void;
  dispose(): void;
}

export type Upstream = (sink: UpstreamSink) => UpstreamHandle;
