import { createGraphQLError, type ExecutionResult } from "@graphql-tools/utils";
import type { GraphQLError } from "graphql";
import { gatewaySubscriptionsEnded } from "../../shared/feed-metrics";
import { cursorOf, interruptedResult } from "./interruptions";

/**
 * The gateway's live resources, by who holds them: WebSockets by client
 * address and by the account whose key opened them (at `connection_init`),
 * and running subscriptions (WebSocket and SSE) by account. It enforces the
 * caps on them (MAX_SOCKETS_PER_ADDRESS, MAX_SUBSCRIPTIONS_PER_KEY; the cap per
 * socket is counted by the WebSocket server itself), ends them all on
 * shutdown, and ends one account's at once (`closeKey`, for a revoked key).
 *
 * "Key" is the principal's id (the account): rotating a key does not reset
 * its budget, as with the rate limit; the admin counts under "ADMIN".
 * Anonymous subscriptions are bounded per socket and per address only.
 */

/** WebSocket close codes the gateway uses (graphql-ws conventions, and RFC 6455's). */
export const CloseCode = {
  /** The server is shutting down: resume with your cursor elsewhere, or later. */
  GoingAway: 1001,
  /** Too many sockets from this address, or a dependency needed to check the key is down: retry later. */
  TryAgainLater: 1013,
  /** A client that took nothing, not even a ping, for SUBSCRIPTION_STALL_MS: its subscriptions were ended with SLOW_CONSUMER first. */
  PolicyViolation: 1008,
  /** The key at `connection_init` is unknown, revoked or malformed; or it was revoked while connected. */
  Unauthenticated: 4401,
  /** The server refused the connection (graphql-ws: `onConnect` said no). */
  Forbidden: 4403,
} as const;

/** How long ws waits for a peer to answer a close frame; a cut-off slow consumer gets as long to take its last results. */
const CLOSE_TIMEOUT_MS = 30_000;

export interface LiveLimits {
  maxSocketsPerAddress: number;
  maxSubscriptionsPerSocket: number;
  maxSubscriptionsPerKey: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = { maxSocketsPerAddress: 256, maxSubscriptionsPerSocket: 100, maxSubscriptionsPerKey: 1_000 };

/** What the gateway needs of a socket: ws's WebSocket has it. */
export interface LiveSocket {
  close(code: number, reason: string): void;
}

/** A reserved place for one subscription: `track` its results (the place is freed when they end), or `release` it unused. */
export interface Lease {
  track(results: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult>;
  release(): void;
}

interface Live {
  keyId: string | null;
  socket?: LiveSocket;
  /** The cursor of the last event the client was sent (null: none yet). */
  resumeAfter(): string | null;
  /** Whether its last result already told the client where to resume (it was cut off already). */
  interrupted(): boolean;
  stop(last?: ExecutionResult): void;
}

/** The error a subscription over a cap gets (the socket and the other subscriptions go on). */
export function tooManySubscriptions(scope: "socket" | "key", limit: number): GraphQLError {
  const where = scope === "socket" ? "on this connection" : "for this API key";
  return createGraphQLError(`Too many subscriptions ${where} (at most ${limit} at once); end one first`, {
    extensions: { code: "RATE_LIMITED", reason: "TOO_MANY_SUBSCRIPTIONS", limit },
  });
}

export class LiveSessions {
  private readonly sockets = new Map<LiveSocket, { address: string; keyId?: string }>();
  private readonly byAddress = new Map<string, number>();
  private readonly subscriptions = new Set<Live>();
  /** Places taken per key: running subscriptions and reservations not yet tracked. */
  private readonly taken = new Map<string, number>();
  private closing = false;

  constructor(readonly limits: LiveLimits = DEFAULT_LIVE_LIMITS) {}

  /** Registers a socket from `address`; false (register nothing) when the address has its cap of sockets open, or the server is closing. */
  openSocket(socket: LiveSocket, address: string): boolean {
    const open = this.byAddress.get(address) ?? 0;
    if (this.closing || open >= this.limits.maxSocketsPerAddress) return false;
    this.byAddress.set(address, open + 1);
    this.sockets.set(socket, { address });
    return true;
  }

  /** The account whose key the socket presented at `connection_init`. */
  setSocketKey(socket: LiveSocket, keyId: string): void {
    const entry = this.sockets.get(socket);
    if (entry) entry.keyId = keyId;
  }

  socketClosed(socket: LiveSocket): void {
    const entry = this.sockets.get(socket);
    if (!entry) return;
    this.sockets.delete(socket);
    const open = (this.byAddress.get(entry.address) ?? 1) - 1;
    if (open > 0) this.byAddress.set(entry.address, open);
    else this.byAddress.delete(entry.address);
  }

  /**
   * A place for one more subscription of `keyId` (null: anonymous, not capped
   * per key) on `socket` (none: SSE), or undefined when its cap is reached or
   * the server is closing.
   */
  reserve(keyId: string | null, socket?: LiveSocket): Lease | undefined {
    if (this.closing) return undefined;
    if (keyId !== null) {
      const taken = this.taken.get(keyId) ?? 0;
      if (taken >= this.limits.maxSubscriptionsPerKey) return undefined;
      this.taken.set(keyId, taken + 1);
    }
    let released = false;
    const release = () => {
      if (released || keyId === null) return void (released = true);
      released = true;
      const left = (this.taken.get(keyId) ?? 1) - 1;
      if (left > 0) this.taken.set(keyId, left);
      else this.taken.delete(keyId);
    };
    return {
      release,
      track: (results) => {
        const ended = () => {
          this.subscriptions.delete(live);
          release();
        };
        const { iterator, stop, resumeAfter, interrupted } = stoppable(results, ended);
        const live: Live = { keyId, socket, stop, resumeAfter, interrupted };
        this.subscriptions.add(live);
        // Closed while it was being set up: it ends at once.
        if (this.closing) stop();
        return iterator;
      },
    };
  }

  /**
   * Ends every subscription of this account, each with `last` as its final
   * result, and closes its sockets with `code`. Returns how many of each.
   */
  closeKey(keyId: string, last?: ExecutionResult, code: number = CloseCode.Unauthenticated, reason = "API key revoked"): { subscriptions: number; sockets: number } {
    let subscriptions = 0;
    for (const live of [...this.subscriptions]) {
      if (live.keyId !== keyId) continue;
      subscriptions++;
      live.stop(last);
    }
    const closing: LiveSocket[] = [];
    for (const [socket, entry] of this.sockets) if (entry.keyId === keyId) closing.push(socket);
    // After the subscriptions' last results, which graphql-ws sends on the next turns.
    if (closing.length) setImmediate(() => closing.forEach((socket) => socket.close(code, reason)));
    return { subscriptions, sockets: closing.length };
  }

  /** How many subscriptions run on `socket`. */
  subscriptionsOn(socket: LiveSocket): number {
    let n = 0;
    for (const live of this.subscriptions) if (live.socket === socket) n++;
    return n;
  }

  /**
   * A client that took nothing on `socket`, not even a ping, for `stallMs`:
   * each of its subscriptions ends with SLOW_CONSUMER and the cursor of the
   * last event it was sent (docs/feed.md). The keep-alive closes the socket
   * once those last results are handed over, so that a client that reads
   * again gets all of it in order.
   */
  cutSlowConsumer(socket: LiveSocket, stallMs: number): void {
    for (const live of [...this.subscriptions]) {
      if (live.socket !== socket) continue;
      // Cut off already (its buffer at the gateway was full): that result is on its way, and is the last.
      if (live.interrupted()) {
        live.stop();
        continue;
      }
      gatewaySubscriptionsEnded.inc({ reason: "SLOW_CONSUMER" });
      live.stop(
        interruptedResult(
          { code: "RATE_LIMITED", reason: "SLOW_CONSUMER", message: `The subscriber took nothing, not even a ping, for ${stallMs} ms, and was cut off` },
          live.resumeAfter(),
        ),
      );
    }
  }

  /**
   * Pings `socket` every `intervalMs`. One that has not answered by the next
   * ping is dropped (no close frame: the peer is gone) when nothing is waiting
   * for it: no subscription, no bytes unsent. Otherwise it may be a slow
   * consumer, which has not read the ping yet either (graphql-ws's own
   * keep-alive would drop it as dead, 1006): it is cut off as one, with its
   * cursors (`cutSlowConsumer`), once it has answered nothing for `stallMs`;
   * its socket is closed with 1008 once its subscriptions' last results are
   * handed over (graphql-ws sends each only after the one before left), or
   * dropped if it takes nothing for as long as ws waits for a close (30 s).
   */
  keepAlive(socket: LiveSocket & PingableSocket, intervalMs: number, stallMs: number): void {
    let unansweredSince: number | undefined;
    let cutAt: number | undefined;
    socket.on("pong", () => (unansweredSince = undefined));
    const timer = setInterval(() => {
      if (socket.readyState !== 1) return;
      if (cutAt !== undefined) {
        if (this.subscriptionsOn(socket) === 0) socket.close(CloseCode.PolicyViolation, "SLOW_CONSUMER");
        else if (Date.now() - cutAt > Math.max(stallMs, CLOSE_TIMEOUT_MS)) socket.terminate();
        return;
      }
      if (unansweredSince === undefined) {
        unansweredSince = Date.now();
        return socket.ping();
      }
      if (socket.bufferedAmount === 0 && this.subscriptionsOn(socket) === 0) return socket.terminate();
      if (Date.now() - unansweredSince >= stallMs) {
        cutAt = Date.now();
        this.cutSlowConsumer(socket, stallMs);
      }
    }, intervalMs);
    timer.unref();
    socket.on("close", () => clearInterval(timer));
  }

  /** Shutdown: takes nothing new, ends every subscription (an SSE stream with `complete`), and closes every socket with 1001. */
  shutdown(): void {
    this.closing = true;
    for (const live of [...this.subscriptions]) live.stop();
    for (const socket of [...this.sockets.keys()]) socket.close(CloseCode.GoingAway, "Server shutting down");
  }

  stats(): { sockets: number; subscriptions: number; keys: number } {
    return { sockets: this.sockets.size, subscriptions: this.subscriptions.size, keys: this.taken.size };
  }
}

/**
 * `results` with a way to end them from outside: `stop(last)` makes the
 * iterator yield `last` (if given) and then end, even while it waits for the
 * next result, and lets the source go. `ended` is called once, however it ends.
 */
function stoppable(
  results: AsyncIterable<ExecutionResult>,
  ended: () => void,
): { iterator: AsyncIterableIterator<ExecutionResult>; stop(last?: ExecutionResult): void; resumeAfter(): string | null; interrupted(): boolean } {
  const inner = results[Symbol.asyncIterator]();
  // Results written to the socket directly (./shared.ts) do not pass here: their iterator knows their cursor.
  const own = (inner as { resumeAfter?: () => string | null }).resumeAfter;
  let lastCursor: string | null = null;
  let interrupted = false;
  const done = { value: undefined, done: true } as const;
  let stopped: { last?: ExecutionResult } | undefined;
  let finished = false;
  /** The `next()` waiting for the source, settled by `stop` if it comes first (no race on a long-lived promise: it would keep a reaction per result). */
  let waiting: ((step: IteratorResult<ExecutionResult>) => void) | undefined;
  const end = () => {
    if (finished) return;
    finished = true;
    ended();
  };
  const afterStop = (): IteratorResult<ExecutionResult> => {
    end();
    const last = stopped!.last;
    if (!last) return done;
    stopped!.last = undefined;
    return { value: last, done: false };
  };
  const stop = (last?: ExecutionResult) => {
    if (stopped) return;
    stopped = { last };
    const settle = waiting;
    waiting = undefined;
    settle?.(afterStop());
    void Promise.resolve(inner.return?.()).catch(() => undefined);
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next() {
      if (stopped) return Promise.resolve(afterStop());
      return new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
        const settle = (step: IteratorResult<ExecutionResult>) => resolve(step);
        waiting = settle;
        inner.next().then(
          (step) => {
            if (waiting !== settle) return; // stopped meanwhile: settled already
            waiting = undefined;
            if (step.done) end();
            else {
              lastCursor = cursorOf(step.value) ?? lastCursor;
              interrupted = step.value.errors?.some((e) => (e.extensions as { resumeAfter?: unknown } | undefined)?.resumeAfter !== undefined) ?? false;
            }
            resolve(step);
          },
          (error: unknown) => {
            if (waiting !== settle) return;
            waiting = undefined;
            end();
            reject(error);
          },
        );
      });
    },
    async return() {
      stop();
      end();
      return done;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { iterator, stop, resumeAfter: () => (own ? own.call(inner) : lastCursor), interrupted: () => interrupted };
}


export interface PingableSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  ping(): void;
  terminate(): void;
  on(event: "pong" | "close", listener: () => void): unknown;
}

/** What the keep-alive needs of a socket: ws's WebSocket has it. */
export interface PingableSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  ping(): void;
  terminate(): void;
  on(event: "pong" | "close", listener: () => void): unknown;
}
