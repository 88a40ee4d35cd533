import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { isAsyncIterable, type ExecutionRequest, type ExecutionResult } from "@graphql-tools/utils";
import { BoundedQueue } from "../../shared/bounded-queue";
import { gatewaySubscriptions, gatewaySubscriptionsEnded } from "../../shared/feed-metrics";
import { cursorOf, interruptedResult, UPSTREAM_CLOSED, type Interruption } from "./interruptions";
import { eachResultItsOwn } from "./workaround-router-runtime-shared-errors";
import { webSocketUpstream } from "./websocket-upstream";
import type { Principal } from "../../shared/principal";
import { liveSubscriptionKey, SharedUpstreams } from "./shared";
import { tooManySubscriptions, type Lease, type LiveSessions } from "./live-sessions";
import type { Upstream, UpstreamHandle, UpstreamSink } from "./upstream";

// Its users take the upstream types from here, with the functions that make and consume upstreams.
export type { Upstream, UpstreamHandle, UpstreamSink } from "./upstream";

export interface SubscriptionLimits {
  /** Results one subscription may hold at the gateway before it stops reading from its subgraph. */
  maxBuffered: number;
  /** A subscription whose client takes nothing for this long while its buffer is full is cut off. */
  stallMs: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = { maxBuffered: 100, stallMs: 30_000 };

/**
 * One client subscription as the gateway holds it: results from its
 * upstream wait in a buffer of at most `maxBuffered`; when it is full the
 * upstream is paused. A client that takes nothing for `stallMs` while the
 * buffer is full is cut off, and told where to resume. When the upstream
 * cannot be paused (it is shared), a full buffer ends the subscription once
 * the client has taken what it holds, with the same interruption.
 */
export function bufferedSubscription(
  upstream: Upstream,
  request: ExecutionRequest,
  limits: SubscriptionLimits,
  interrupt: (why: Interruption) => void,
): AsyncIterableIterator<ExecutionResult> {
  // Bounded by pausing the upstream at `maxBuffered`: results already on their way when it pauses are kept.
  const queue = new BoundedQueue<ExecutionResult>({ max: Number.POSITIVE_INFINITY });
  let paused = false;
  let finished = false;
  let lastPull = Date.now();

  // Declared before the upstream starts, which may call back at once.
  let handle: UpstreamHandle | undefined;
  const watchdog = setInterval(
    () => {
      if (paused && Date.now() - lastPull > limits.stallMs) {
        queue.clear();
        finish({
          code: "RATE_LIMITED",
          reason: "SLOW_CONSUMER",
          message: `The subscriber took no event for ${limits.stallMs} ms while ${limits.maxBuffered} were waiting, and was cut off`,
        });
      }
    },
    Math.max(10, Math.floor(limits.stallMs / 4)),
  );
  watchdog.unref();
  gatewaySubscriptions.inc();
  const finish = (why?: Interruption) => {
    if (finished) return;
    finished = true;
    gatewaySubscriptions.dec();
    if (why) gatewaySubscriptionsEnded.inc({ reason: why.reason });
    clearInterval(watchdog);
    request.signal?.removeEventListener("abort", onAbort);
    handle?.dispose();
    if (why) interrupt(why);
    queue.end();
  };
  handle = upstream({
    next: (result) => {
      if (finished) return; // cut off: what still arrives is the client's to re-read from its cursor
      queue.push(result);
      if (queue.size >= limits.maxBuffered && !paused) {
        paused = handle?.pause() ?? false;
        // An upstream shared with other clients is not paused for one: this one ends after what it holds.
        if (!paused)
          finish({
            code: "RATE_LIMITED",
            reason: "SLOW_CONSUMER",
            message: `The subscriber fell ${limits.maxBuffered} events behind a stream it shares with others, and was cut off`,
          });
      }
    },
    fail: (errors) => {
      if (finished) return;
      queue.push({ errors: [...errors] });
      finish();
    },
    lost: () => finish(UPSTREAM_CLOSED),
    complete: () => finish(),
  });
  // Ended before the upstream was handed back: let it go now.
  if (finished) handle.dispose();
  const onAbort = () => finish();
  request.signal?.addEventListener("abort", onAbort, { once: true });

  return {
    async next() {
      lastPull = Date.now();
      const step = await queue.next();
      if (!step.done && paused && queue.size <= limits.maxBuffered / 2) {
        handle?.resume();
        paused = false;
      }
      return step;
    },
    async return() {
      finish();
      return queue.return();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * What the client receives of a subscription: each result with only its own
 * errors and never the last event's cursor again
 * (./workaround-router-runtime-shared-errors.ts), and, when the subscription
 * was interrupted, one last result: a GraphQL error whose
 * `extensions.resumeAfter` is the cursor of the last event this client was
 * sent (null if none), to pass back as `after`.
 *
 * A plain iterator, not an async generator, so that `return()` takes effect
 * at once even while it waits for the next result.
 */
export function clientResults(
  results: AsyncIterable<ExecutionResult>,
  interruption: () => Interruption | undefined,
): AsyncIterableIterator<ExecutionResult> {
  const inner = results[Symbol.asyncIterator]();
  const done = { value: undefined, done: true } as const;
  let resumeAfter: string | null = null;
  let ended = false;
  const own = eachResultItsOwn();

  return {
    async next() {
      while (!ended) {
        const step = await inner.next();
        if (step.done) break;
        const value = own(step.value, resumeAfter);
        if (!value) continue;
        resumeAfter = cursorOf(value) ?? resumeAfter;
        return { value, done: false };
      }
      if (ended) return done;
      ended = true;
      const why = interruption();
      if (!why) return done;
      return { value: interruptedResult(why, resumeAfter), done: false };
    },
    async return() {
      ended = true;
      await inner.return?.();
      return done;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Subscriptions through the gateway, in place of the HTTP transport's shared
 * WebSocket: each subscription has its own connection to its subgraph (a
 * WebSocket, or a direct call when the subgraph runs in this process), so
 * that backpressure reaches the subgraph with no head-of-line blocking
 * between subscribers, except that identical live subscriptions of one
 * principal share one (./shared.ts); bounded buffers, slow
 * clients cut off, no silent re-subscription, and subgraph error codes kept. The principal reaches the
 * subgraph signed in the operation's `extensions.headers`, where
 * `propagateHeaders` puts it.
 */
export function useSubscriptions(
  limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS,
  /** By subgraph name, for the subgraphs in this process: their subscriptions as direct calls. */
  local: Record<string, (request: ExecutionRequest) => Upstream> = {},
  /** Counts subscriptions that do not come over the WebSocket server (SSE) against their key, and ends them on shutdown. */
  sessions?: LiveSessions,
): GatewayPlugin {
  const interruptions = new WeakMap<object, Interruption>();
  const shared = new SharedUpstreams();
  return {
    onSubgraphExecute({ subgraphName, executionRequest, transportEntry, setExecutor }) {
      if (executionRequest.operationType !== "subscription") return;
      const inProcess = local[subgraphName];
      const url = transportEntry?.location?.replace(/^http/, "ws");
      if (!inProcess && !url) return;
      setExecutor((request) => {
        const own = inProcess ? inProcess(request) : webSocketUpstream(url!, request);
        const key = liveSubscriptionKey(subgraphName, request, (request.context as { principal?: Principal | null } | undefined)?.principal);
        return bufferedSubscription(key ? shared.join(key, own) : own, request, limits, (why) => {
          if (request.context) interruptions.set(request.context as object, why);
        });
      });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as { wire?: unknown; principal?: Principal | null };
      // The WebSocket server counts its own subscriptions (./http-server.ts); the others (SSE) are counted here.
      let lease: Lease | undefined;
      if (sessions && !("wire" in context)) {
        lease = sessions.reserve(context.principal ? (context.principal.id ?? context.principal.kind) : null);
        if (!lease) return setResultAndStopExecution({ errors: [tooManySubscriptions("key", sessions.limits.maxSubscriptionsPerKey)] });
      }
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return lease?.release();
          const results = clientResults(result, () => interruptions.get(context));
          setResult(lease ? lease.track(results) : results);
        },
        onSubscribeError: () => lease?.release(),
      };
    },
  };
}
