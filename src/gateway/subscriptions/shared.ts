import type { ExecutionRequest, ExecutionResult } from "@graphql-tools/utils";
import { Kind, parse, print, valueFromASTUntyped, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { LRUCache } from "lru-cache";
import WebSocket from "ws";
import { BoundedQueue } from "../../shared/bounded-queue";
import { isLive } from "../../shared/live";
import type { Principal } from "../../shared/principal";
import { cursorOf, interruptedResult } from "./interruptions";
import type { Upstream, UpstreamHandle, UpstreamSink } from "./upstream";

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
 * (./plan.ts), and the others go on.
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
          // Each client's own: the gateway completes a result in place (entity fetches merged into it),
          // so all but the last get a copy, and the last (often the only one) the result itself.
          next: (result) => {
            const sinks = [...created.sinks];
            sinks.forEach((s, i) => s.next(i === sinks.length - 1 ? result : copyOf(result)));
          },
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
  if (!principal || !isLiveOnly(request.document, request.variables as Record<string, unknown> | undefined, request.operationName)) {
    return undefined;
  }
  let text = printed.get(request.document);
  if (text === undefined) printed.set(request.document, (text = print(request.document)));
  return JSON.stringify([subgraphName, principal.kind, principal.id ?? null, text, request.variables ?? {}, request.operationName ?? null]);
}

/** A subscription whose every root field streams live events only (../../shared/live.ts). */
function isLiveOnly(document: DocumentNode, variables: Record<string, unknown> | undefined, operationName?: string | null): boolean {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation || operation.operation !== "subscription") return false;
  return operation.selectionSet.selections.every((selection) => {
    if (selection.kind !== Kind.FIELD) return false;
    const after = selection.arguments?.find((a) => a.name.value === "after");
    return !after || isLive(valueFromASTUntyped(after.value, variables));
  });
}

/** A client's subscription as the gateway's WebSocket server received it. */
export interface ClientOperation {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** Query texts parsed, or `false` for one that does not parse. */
const parsed = new LRUCache<string, DocumentNode | false>({ max: 1_000 });

function parsedQuery(query: string): DocumentNode | false {
  let document = parsed.get(query);
  if (document === undefined) {
    try {
      document = parse(query);
    } catch {
      document = false;
    }
    parsed.set(query, document);
  }
  return document;
}

/** Whether a client's operation is a subscription (false for a query, a mutation, or text that does not parse). */
export function isSubscription(operation: ClientOperation): boolean {
  const document = parsedQuery(operation.query);
  if (!document) return false;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const chosen = operation.operationName ? operations.find((o) => o.name?.value === operation.operationName) : operations.length === 1 ? operations[0] : undefined;
  return chosen?.operation === "subscription";
}

/**
 * The key under which clients' subscriptions may share one stream of final
 * results, or undefined when they may not: the same live subscription (as
 * `liveSubscriptionKey`), the same query text and variables, and the same
 * principal. Only asked once the gateway has run the client's subscription
 * through its rules (authentication, limits, validation), so `principal` is
 * the one it authenticated.
 */
export function liveOperationKey(operation: ClientOperation, principal: Principal | null | undefined): string | undefined {
  if (!principal) return undefined;
  const document = parsedQuery(operation.query);
  if (!document || !isLiveOnly(document, operation.variables ?? undefined, operation.operationName)) return undefined;
  return JSON.stringify([principal.kind, principal.id ?? null, operation.query, operation.variables ?? {}, operation.operationName ?? null]);
}

/**
 * Where a client's results may be written directly: its WebSocket and the id
 * of its subscription on it (graphql-transport-ws). The `next` messages are
 * then made once per result for all such clients, and only the id differs.
 */
export interface ClientWire {
  id: string;
  socket: { readonly readyState: number; send(data: string, done: (error?: Error) => void): void };
}

interface Client {
  /** Results waiting for this client (none for one written to directly): ended when it is cut off or its stream ends. */
  queue: BoundedQueue<ExecutionResult>;
  /** The last cursor this client was sent: where it resumes if it is cut off. */
  resumeAfter: string | null;
  state: "open" | "cut" | "told" | "done";
  /** Written to directly (see `ClientWire`): the start of its `next` messages, and how many are not yet handed to the socket. */
  wire?: { socket: ClientWire["socket"]; head: string; unsent: number };
}

interface ResultStream {
  clients: Set<Client>;
  source: AsyncIterator<ExecutionResult>;
}

/**
 * Clients' subscriptions that would receive the very same results share one
 * stream of them, as the gateway made them for the first such client: the
 * gateway's work per result (planning, projection, formatting) is done once,
 * and each client only gets the result, in a buffer of its own of at most
 * `maxBuffered`. Every client still goes through the gateway's rules when it
 * subscribes; its own stream is then let go, and it joins the one already
 * running. A client that falls `maxBuffered` results behind is cut off with
 * the cursor to resume from, and the others go on. The stream ends when its
 * last client leaves, or for all of them when it ends.
 *
 * A client joined with its `ClientWire` is written to directly: each result
 * is serialised once for all such clients (in the very bytes graphql-ws
 * would send), and a client is behind by the messages its socket has not
 * yet taken. Its iterator, which the WebSocket server still drives, yields
 * nothing but the interruption when it is cut off, and ends with the stream,
 * so completion and errors go through the server as for any subscription.
 *
 * Direct writes are coalesced: those made while results are being produced
 * go out together once the work queued with them is done (at the end of the
 * current turn of the event loop), instead of one socket write between every
 * two results. One change of stock makes events for many feeds at once;
 * their results are made in one pass and then written in one run, which
 * measured faster to the last subscriber than writes strewn among the
 * making of the results.
 */
export class SharedResults {
  private readonly streams = new Map<string, ResultStream>();
  /** Direct writes waiting for the end of this turn. */
  private pending: { wire: NonNullable<Client["wire"]>; data: string }[] = [];

  constructor(
    private readonly maxBuffered: number,
    /** Counts a client cut off for falling behind. */
    private readonly onCutOff: () => void = () => undefined,
  ) {}

  /** Whether a stream for `key` is running (a client subscribing with it would join it). */
  has(key: string): boolean {
    return this.streams.has(key);
  }

  stats(): { streams: number; clients: number } {
    let clients = 0;
    for (const s of this.streams.values()) clients += s.clients.size;
    return { streams: this.streams.size, clients };
  }

  /** This client's results: from the stream already running for `key`, or from `results`, which then becomes that stream. */
  join(key: string, results: AsyncIterable<ExecutionResult>, wire?: ClientWire): AsyncIterableIterator<ExecutionResult> {
    const own = results[Symbol.asyncIterator]();
    let stream = this.streams.get(key);
    if (stream) {
      void own.return?.();
    } else {
      stream = { clients: new Set(), source: own };
      this.streams.set(key, stream);
      void this.pump(key, stream);
    }
    const client: Client = { queue: new BoundedQueue({ max: this.maxBuffered }), resumeAfter: null, state: "open" };
    if (wire) client.wire = { socket: wire.socket, head: `{"id":${JSON.stringify(wire.id)},"type":"next","payload":`, unsent: 0 };
    stream.clients.add(client);
    return this.iterator(key, stream, client);
  }

  private async pump(key: string, stream: ResultStream): Promise<void> {
    try {
      for (;;) {
        const step = await stream.source.next();
        if (step.done) break;
        // Made once, for the clients written to directly.
        let message: { payload: string; cursor: string | undefined } | undefined;
        for (const client of [...stream.clients]) {
          if (!client.wire) this.deliver(key, stream, client, step.value);
          else this.write(key, stream, client, (message ??= { payload: payloadJson(step.value), cursor: cursorOf(step.value) }));
        }
      }
    } catch {
      // The stream broke: its clients end (each subscription's own interruption, if any, came through as a result).
    }
    if (this.streams.get(key) === stream) this.streams.delete(key);
    for (const client of stream.clients) {
      if (client.state === "open") client.state = "done";
      client.queue.end();
    }
    stream.clients.clear();
  }

  private deliver(key: string, stream: ResultStream, client: Client, result: ExecutionResult): void {
    if (!client.queue.push(result)) this.cutOff(key, stream, client);
  }

  /** Writes a result's message to a client's socket, or cuts the client off when `maxBuffered` of them wait there already. */
  private write(key: string, stream: ResultStream, client: Client, message: { payload: string; cursor: string | undefined }): void {
    const wire = client.wire!;
    if (wire.unsent >= this.maxBuffered) return this.cutOff(key, stream, client);
    // A socket closing ends the subscription through the server; nothing more is written to it.
    if (wire.socket.readyState !== WebSocket.OPEN) return;
    wire.unsent++;
    if (this.pending.length === 0) process.nextTick(() => this.flush());
    this.pending.push({ wire, data: `${wire.head}${message.payload}}` });
    client.resumeAfter = message.cursor ?? client.resumeAfter;
  }

  /** Hands the waiting writes to their sockets, in the order they were made. */
  private flush(): void {
    const writes = this.pending;
    this.pending = [];
    for (const { wire, data } of writes) {
      if (wire.socket.readyState === WebSocket.OPEN) wire.socket.send(data, () => void wire.unsent--);
      else wire.unsent--;
    }
  }

  private cutOff(key: string, stream: ResultStream, client: Client): void {
    client.state = "cut";
    this.onCutOff();
    this.leave(key, stream, client);
    client.queue.end();
  }

  private leave(key: string, stream: ResultStream, client: Client): void {
    if (!stream.clients.delete(client) || stream.clients.size > 0) return;
    if (this.streams.get(key) === stream) this.streams.delete(key);
    void stream.source.return?.();
  }

  private iterator(key: string, stream: ResultStream, client: Client): AsyncIterableIterator<ExecutionResult> {
    const done = { value: undefined, done: true } as const;
    return {
      next: async () => {
        const step = await client.queue.next();
        if (!step.done) {
          client.resumeAfter = cursorOf(step.value) ?? client.resumeAfter;
          return step;
        }
        // What the server sends next (the interruption, or the end) must not overtake the writes still waiting.
        if (client.wire) this.flush();
        if (client.state === "cut") {
          client.state = "told";
          return {
            value: interruptedResult(
              {
                code: "RATE_LIMITED",
                reason: "SLOW_CONSUMER",
                message: `The subscriber fell ${this.maxBuffered} events behind a stream it shares with others, and was cut off`,
              },
              client.resumeAfter,
            ),
            done: false,
          };
        }
        return done;
      },
      return: async () => {
        client.state = "done";
        this.leave(key, stream, client);
        await client.queue.return();
        return done;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
      // The cursor of the last event this client was sent, written directly or not (./live-sessions.ts asks).
      resumeAfter: () => client.resumeAfter,
    } as AsyncIterableIterator<ExecutionResult>;
  }
}

/** A result as the payload of a graphql-transport-ws `next` message, serialised as graphql-ws serialises it. */
function payloadJson(result: ExecutionResult): string {
  const { errors, ...rest } = result;
  const toJson = (e: unknown) => (typeof (e as { toJSON?: unknown }).toJSON === "function" ? (e as { toJSON(): unknown }).toJSON() : e);
  return JSON.stringify({ ...rest, ...(errors ? { errors: errors.map(toJson) } : {}) });
}
