import type { ExecutionRequest, ExecutionResult } from "@graphql-tools/utils";
import { Kind, print, valueFromASTUntyped, type DocumentNode, type OperationDefinitionNode } from "graphql";
import type { Principal } from "../shared/principal";
import type { Upstream, UpstreamHandle, UpstreamSink } from "./subscriptions";

interface Stream {
  sinks: Set<UpstreamSink>;
  handle?: UpstreamHandle;
}

/**
 * Subscriptions that would receive the very same results share one upstream
 * subscription: one execution at the subgraph per result, however many
 * clients take it. Each client still has its own buffer at the gateway; a
 * shared upstream cannot be paused for one of them, so a client that falls
 * `maxBuffered` results behind is cut off with the cursor to resume from
 * (./subscriptions.ts), and the others go on.
 */
export class SharedUpstreams {
  private readonly streams = new Map<string, Stream>();

  /** How many upstream subscriptions are shared now, and by how many clients in all. */
  stats(): { upstreams: number; subscribers: number } {
    let subscribers = 0;
    for (const s of this.streams.values()) subscribers += s.sinks.size;
    return { upstreams: this.streams.size, subscribers };
  }

  /** The upstream for `key`: the one already running, or `start`'s, started now. */
  join(key: string, start: Upstream): Upstream {
    return (sink) => {
      let stream = this.streams.get(key);
      if (stream) {
        stream.sinks.add(sink);
      } else {
        const created: Stream = { sinks: new Set([sink]) };
        stream = created;
        this.streams.set(key, created);
        const ended = () => {
          if (this.streams.get(key) === created) this.streams.delete(key);
        };
        const each = (deliver: (sink: UpstreamSink) => void) => {
          for (const s of [...created.sinks]) deliver(s);
        };
        created.handle = start({
          // Each client's copy: the gateway completes a result in place (entity fetches merged into it).
          next: (result) => each((s) => s.next(copyOf(result))),
          fail: (errors) => (ended(), each((s) => s.fail(errors))),
          lost: () => (ended(), each((s) => s.lost())),
          complete: () => (ended(), each((s) => s.complete())),
        });
      }
      const joined = stream;
      return {
        pause: () => false,
        resume: () => undefined,
        dispose: () => {
          if (!joined.sinks.delete(sink) || joined.sinks.size > 0) return;
          if (this.streams.get(key) === joined) this.streams.delete(key);
          joined.handle?.dispose();
        },
      };
    };
  }
}

const copyOf = (result: ExecutionResult): ExecutionResult => ({
  ...result,
  data: result.data && structuredClone(result.data),
  errors: result.errors && [...result.errors],
});

const printed = new WeakMap<DocumentNode, string>();

/**
 * The key under which a subgraph subscription may be shared, or undefined
 * when it may not: only subscriptions of live events (every root field's
 * `after` is null or absent, as in `offerFeed(after: null)`), whose results
 * do not depend on when a client joined, and only between callers with the
 * same principal, which the subgraph authorised the same way.
 */
export function liveSubscriptionKey(subgraphName: string, request: ExecutionRequest, principal: Principal | null | undefined): string | undefined {
  if (!principal) return undefined;
  const operation = request.document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.operation !== "subscription") return undefined;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return undefined;
    const after = selection.arguments?.find((a) => a.name.value === "after");
    if (after && valueFromASTUntyped(after.value, request.variables as Record<string, unknown> | undefined) != null) return undefined;
  }
  let text = printed.get(request.document);
  if (text === undefined) printed.set(request.document, (text = print(request.document)));
  return JSON.stringify([subgraphName, principal.kind, principal.id ?? null, text, request.variables ?? {}, request.operationName ?? null]);
}
