import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedEvent {
  cursor: string;
  type: string;
  marketplaceId: string;
  offerId: string;
  available: boolean;
  quantity: number;
  price: number;
  unavailableReason: string | null;
  occurredAt: string;
}

export interface ReceivedDelivery {
  id: string;
  timestamp: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: { webhookId: string; marketplaceId: string; events: ReceivedEvent[] };
  /** The status this receiver answered (0: it never answered). */
  answered: number;
  receivedAt: number;
}

/**
 * A real HTTP endpoint for webhook deliveries: records every request, answers
 * what the test says (a status, after a delay, or never), and can close its
 * port and open it again on the same one, as an endpoint going down would.
 */
export class WebhookReceiver {
  readonly deliveries: ReceivedDelivery[] = [];
  /** What to answer next; may be changed at any time. */
  status = 200;
  delayMs = 0;
  /** Requests being handled now, and the most ever at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Requests whose connection the sender closed before the answer. */
  aborted = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  /** Starts listening (on `port`, or on the one it had, or on a free one). */
  async start(port = this.port): Promise<this> {
    const server = createServer((req, res) => {
      let raw = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (raw += chunk));
      req.on("end", () => void this.handle(req.headers, raw, res));
    });
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  private async handle(headers: IncomingHttpHeaders, rawBody: string, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const delivery: ReceivedDelivery = {
      id: String(headers["webhook-id"]),
      timestamp: String(headers["webhook-timestamp"]),
      headers,
      rawBody,
      body: JSON.parse(rawBody) as ReceivedDelivery["body"],
      answered: 0,
      receivedAt: Date.now(),
    };
    this.deliveries.push(delivery);
    let closed = false;
    res.on("close", () => {
      if (!res.writableEnded) {
        closed = true;
        this.aborted++;
      }
    });
    // Unref'd: a slow answer still pending when the test ends must not keep the process alive.
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs).unref());
    this.inFlight--;
    if (closed) return;
    delivery.answered = this.status;
    res.writeHead(this.status, { "content-type": "text/plain" }).end("ok");
  }

  /** Closes the port and every open connection: the endpoint is down. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Deliveries answered 2xx, in the order received. */
  acknowledged(): ReceivedDelivery[] {
    return this.deliveries.filter((d) => d.answered >= 200 && d.answered < 300);
  }

  /** The events of the acknowledged deliveries, repeats (at-least-once) dropped by cursor, in the order received. */
  events(): ReceivedEvent[] {
    const seen = new Set<string>();
    const out: ReceivedEvent[] = [];
    for (const d of this.acknowledged()) {
      for (const e of d.body.events) {
        if (seen.has(e.cursor)) continue;
        seen.add(e.cursor);
        out.push(e);
      }
    }
    return out;
  }

  /** Resolves when `check` holds, polling; fails with `what` after the deadline. */
  async waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (received ${this.deliveries.length} deliveries)`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Checks a delivery's signature with the Standard Webhooks library; throws when it does not verify. */
export function verifyDelivery(secret: string, delivery: ReceivedDelivery): unknown {
  return new Webhook(secret).verify(delivery.rawBody, {
    "webhook-id": String(delivery.headers["webhook-id"]),
    "webhook-timestamp": String(delivery.headers["webhook-timestamp"]),
    "webhook-signature": String(delivery.headers["webhook-signature"]),
  });
}
