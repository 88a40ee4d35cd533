import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { createGraphQLError, isAsyncIterable, type ExecutionResult } from "@graphql-tools/utils";
import { gatewaySubscriptionsEnded } from "../../shared/feed-metrics";
import { logger } from "../../shared/logger";
import type { Authenticator } from "../authenticate";

/** Why a held connection is ended: its key was refused, or could not be checked again. */
export type EndCode = "UNAUTHENTICATED" | "SERVICE_UNAVAILABLE";

/** graphql-transport-ws's Unauthorized; 1013 (try again later) when the key could not be checked. */
const CLOSE_CODES: Record<EndCode, number> = { UNAUTHENTICATED: 4401, SERVICE_UNAVAILABLE: 1013 };
const MESSAGES: Record<EndCode, string> = {
  UNAUTHENTICATED: "The API key was revoked; connect again with the account's current key",
  SERVICE_UNAVAILABLE: "The API key's account changed its keys and the key could not be checked again; connect again",
};
/** Look-ups that fail (accounts unreachable) are tried this many times, this far apart, before the connection ends. */
const CHECK_ATTEMPTS = 3;
const CHECK_RETRY_MS = 300;
/** Subscription ids remembered per socket (for their `error` message when it is closed); older ones have ended long since. */
const IDS_PER_SOCKET = 1_000;

/** A WebSocket as graphql-ws hands it over (`ws`). */
interface ClientSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  once(event: "close", listener: () => void): unknown;
}

interface Held {
  apiKey: string;
  end(code: EndCode): void;
}

interface Noted {
  principalId: string;
  apiKey: string;
  mark: number;
}

/**
 * What a key holds open at this gateway, by account: WebSockets opened with
 * it and subscriptions over HTTP (SSE). When an account's keys
 * change (`revoked`, from the event bus on every replica), each key it holds
 * open is checked again, and what a refused key holds ends at once with
 * UNAUTHENTICATED: a socket gets an `error` for each of its subscriptions
 * and is closed with 4401; a stream gets a last result with the error.
 */
export class LiveAccess {
  private readonly held = new Map<string, Set<Held>>();
  private readonly sockets = new WeakMap<object, { ids: Set<string> }>();
  private readonly noted = new WeakMap<object, Noted>();
  /** Counts revocations heard: a key checked across one is checked again once held. */
  private revocations = 0;

  constructor(private readonly authenticate: Authenticator) {}

  /** Taken just before a key is checked, and passed to `noteKey`. */
  mark(): number {
    return this.revocations;
  }

  /**
   * A request's context authenticated with `apiKey` as an account: its
   * WebSocket, if it came over one, is held from now on; a subscription it
   * starts over HTTP is held by `useLiveAccess`.
   */
  noteKey(context: object, principalId: string, apiKey: string, mark: number): void {
    const socket = (context as { wire?: { socket?: unknown } }).wire?.socket as ClientSocket | undefined;
    if (!socket) {
      this.noted.set(context, { principalId, apiKey, mark });
      return;
    }
    if (this.sockets.has(socket) || socket.readyState > 1) return;
    const state = { ids: new Set<string>() };
    this.sockets.set(socket, state);
    const release = this.hold(principalId, apiKey, mark, (code) => {
      const payload = [{ message: MESSAGES[code], extensions: { code, reason: "KEY_REVOKED" } }];
      for (const id of state.ids) socket.send(JSON.stringify({ id, type: "error", payload }));
      socket.close(CLOSE_CODES[code], code === "UNAUTHENTICATED" ? "Unauthorized: the API key was revoked" : "Try again later");
    });
    socket.once("close", release);
  }

  /** A subscription started on a held socket: told of the revocation by its id when the socket is closed. */
  noteSubscription(context: object): void {
    const wire = (context as { wire?: { id?: string; socket?: object } }).wire;
    const ids = wire?.socket && this.sockets.get(wire.socket)?.ids;
    if (!ids || wire.id === undefined) return;
    if (ids.size >= IDS_PER_SOCKET) ids.delete(ids.values().next().value!);
    ids.add(wire.id);
  }

  /** What was noted for a context authenticated over HTTP. */
  notedFor(context: object): Noted | undefined {
    return this.noted.get(context);
  }

  /** Holds a connection opened with `apiKey`; `end` is called if the key is refused. Returns the release. */
  hold(principalId: string, apiKey: string, mark: number, end: (code: EndCode) => void): () => void {
    const entry: Held = { apiKey, end };
    let set = this.held.get(principalId);
    if (!set) this.held.set(principalId, (set = new Set()));
    set.add(entry);
    const release = () => {
      const current = this.held.get(principalId);
      if (!current?.delete(entry)) return;
      if (current.size === 0) this.held.delete(principalId);
    };
    // Checked before a revocation was heard, held after: check it again.
    if (mark !== this.revocations) {
      void this.check(apiKey).then((verdict) => {
        if (verdict !== "ok" && this.held.get(principalId)?.has(entry)) {
          release();
          end(verdict);
        }
      });
    }
    return release;
  }

  /** The account's keys changed: forget them, check again each key it holds open, and end what a refused one holds. */
  async revoked(principalId: string): Promise<void> {
    this.revocations++;
    this.authenticate.forget?.(principalId);
    const set = this.held.get(principalId);
    if (!set) return;
    const byKey = new Map<string, Held[]>();
    for (const entry of set) byKey.set(entry.apiKey, [...(byKey.get(entry.apiKey) ?? []), entry]);
    await Promise.all(
      [...byKey].map(async ([apiKey, entries]) => {
        const verdict = await this.check(apiKey);
        if (verdict === "ok") return;
        for (const entry of entries) {
          if (!this.held.get(principalId)?.delete(entry)) continue;
          entry.end(verdict);
        }
        if (this.held.get(principalId)?.size === 0) this.held.delete(principalId);
      }),
    );
  }

  /** Revocations may have been missed (the event bus was cut off): every account's keys are checked again. */
  async revokedAll(): Promise<void> {
    this.authenticate.forget?.();
    await Promise.all([...this.held.keys()].map((principalId) => this.revoked(principalId)));
  }

  /** Connections held now. */
  size(): number {
    let n = 0;
    for (const set of this.held.values()) n += set.size;
    return n;
  }

  private async check(apiKey: string): Promise<"ok" | EndCode> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.authenticate(apiKey);
        return "ok";
      } catch (error) {
        if ((error as { extensions?: { code?: string } }).extensions?.code === "UNAUTHENTICATED") return "UNAUTHENTICATED";
        if (attempt >= CHECK_ATTEMPTS) {
          logger.warn("a held key could not be checked again; its connections end", { error: (error as Error).message });
          return "SERVICE_UNAVAILABLE";
        }
        await new Promise((resolve) => setTimeout(resolve, CHECK_RETRY_MS));
      }
    }
  }
}

/**
 * Holds each subscription made over HTTP with an account's key (SSE,
 * multipart) so that it ends with UNAUTHENTICATED when the key is revoked;
 * over a WebSocket the socket is held instead (`LiveAccess.noteKey`), since
 * identical subscriptions on different sockets share one stream.
 */
export function useLiveAccess(live: LiveAccess): GatewayPlugin {
  return {
    onSubscribe({ args }) {
      const context = args.contextValue as object;
      live.noteSubscription(context);
      const noted = live.notedFor(context);
      if (!noted) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(endable(result as AsyncIterable<ExecutionResult>, live, noted));
        },
      };
    },
  };
}

/** `results`, ended with an UNAUTHENTICATED result as soon as the key it was opened with is revoked. */
function endable(results: AsyncIterable<ExecutionResult>, live: LiveAccess, noted: Noted): AsyncIterableIterator<ExecutionResult> {
  const inner = results[Symbol.asyncIterator]();
  const done = { value: undefined, done: true } as const;
  let finished = false;
  let last: ExecutionResult | undefined;
  let stop: () => void = () => undefined;
  const stopped = new Promise<"stopped">((resolve) => (stop = () => resolve("stopped")));
  const release = live.hold(noted.principalId, noted.apiKey, noted.mark, (code) => {
    last = { errors: [createGraphQLError(MESSAGES[code], { extensions: { code, reason: "KEY_REVOKED" } })] };
    gatewaySubscriptionsEnded.inc({ reason: "KEY_REVOKED" });
    stop();
    void inner.return?.()?.catch(() => undefined);
  });
  const lastResult = (): IteratorResult<ExecutionResult> => {
    finished = true;
    const value = last!;
    return { value, done: false };
  };
  return {
    async next() {
      if (finished) return done;
      if (last) return lastResult();
      const step = await Promise.race([inner.next(), stopped]);
      // Ended while waiting: the end says why, whatever the stream's own ending raced it.
      if (step === "stopped" || last) return lastResult();
      if (step.done) {
        finished = true;
        release();
      }
      return step;
    },
    async return() {
      finished = true;
      release();
      await inner.return?.();
      return done;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
