import WebSocket from "ws";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `accept` takes its value, or throws after `timeoutMs`. */
export async function until<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000, what = "a condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await sleep(25);
  }
}

export interface WireMessage {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * A graphql-transport-ws socket driven by hand, to see what a client sees on
 * the wire: every message, and the close code and reason.
 */
export interface RawSocket {
  socket: WebSocket;
  messages: WireMessage[];
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `connection_ack` arrived (rejects if the socket closed first). */
  acked: Promise<void>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  complete(id: string): void;
  /** Messages for subscription `id`. */
  of(id: string): WireMessage[];
  close(): Promise<void>;
}

export function rawSocket(url: string, authorization?: string): RawSocket {
  const socket = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws");
  const messages: WireMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const acked = new Promise<void>((resolve, reject) => {
    socket.on("message", (data) => {
      const message = JSON.parse(data.toString()) as WireMessage;
      messages.push(message);
      if (message.type === "connection_ack") resolve();
    });
    void closed.then(({ code, reason }) => reject(new Error(`closed before the ack: ${code} ${reason}`)));
  });
  acked.catch(() => undefined);
  socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: authorization ? { authorization } : {} })));
  socket.on("error", () => undefined);
  return {
    socket,
    messages,
    closed,
    acked,
    subscribe: (id, query, variables) => socket.send(JSON.stringify({ id, type: "subscribe", payload: { query, variables } })),
    complete: (id) => socket.send(JSON.stringify({ id, type: "complete" })),
    of: (id) => messages.filter((m) => m.id === id),
    close: async () => {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000);
      await closed;
    },
  };
}

export interface SseStream {
  status: number;
  /** Events received so far: `next` with its parsed data, `complete`. */
  events: { event: string; data: any }[];
  /** Resolves when the response body ends. */
  ended: Promise<void>;
  abort(): void;
}

/** A subscription over Server-Sent Events ("distinct connections" mode), as `graphql-sse` opens it. */
export async function sseSubscribe(url: string, query: string, variables: Record<string, unknown>, authorization?: string, accept = "text/event-stream"): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept, ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const events: SseStream["events"] = [];
  const read = async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: ?(.*)$/m.exec(block)?.[1];
          if (event) events.push({ event, data: data ? JSON.parse(data) : null });
        }
      }
    } catch {
      // aborted, or cut
    }
  };
  return { status: response.status, events, ended: read(), abort: () => controller.abort() };
}
