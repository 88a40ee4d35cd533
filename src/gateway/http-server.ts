import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getGraphQLWSOptions } from "@graphql-hive/gateway-runtime";
import { isAsyncIterable, type ExecutionResult } from "@graphql-tools/utils";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { Registry } from "prom-client";
import { dbRegistry } from "../shared/db-metrics";
import { feedRegistry, gatewaySubscriptionsDirect, gatewaySubscriptionsEnded } from "../shared/feed-metrics";
import type { Principal } from "../shared/principal";
import { logClientSocketErrors } from "../shared/websocket-errors";
import type { DirectSubscribe } from "./direct-subscriptions";
import { entityCacheRegistry } from "./entity-cache";
import { liveOperationKey, SharedResults, type ClientOperation, type ClientWire } from "./shared-subscriptions";
import { DEFAULT_SUBSCRIPTION_LIMITS } from "./subscriptions";
import { logger } from "../shared/logger";
import type { Gateway } from "./gateway";
import type { Metrics } from "./metrics";

export interface GatewayServerOptions {
  gateway: Gateway;
  metrics: Metrics;
  /** True while the database and the event bus answer. */
  ready: () => Promise<boolean>;
  maxBodyBytes: number;
  /** Results a client may fall behind a subscription it shares with others before it is cut off (SUBSCRIPTION_BUFFER). */
  subscriptionBuffer?: number;
  /** Shared live subscriptions that one subgraph answers alone take its results directly (./direct-subscriptions.ts). */
  direct?: DirectSubscribe;
}

export interface RunningGateway {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
};

const refuse = (res: ServerResponse, status: number, message: string) =>
  json(res, status, { errors: [{ message, extensions: { code: "BAD_USER_INPUT" } }] });

class BodyTooLarge extends Error {}

/**
 * Reads a request body, chunked or not, and stops at `limit` bytes: a
 * Content-Length cannot be trusted to be there, nor to tell the truth about
 * what a chunked body will add up to.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers["content-length"] ?? 0) > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * POST bodies a browser can send cross-site without a preflight (an HTML
 * form's encodings, text/plain): never GraphQL here, so a page elsewhere
 * cannot make a visitor's browser run an operation.
 */
const SIMPLE_CONTENT_TYPE = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i;

/**
 * The one public port: GraphQL at `/graphql` over HTTP and graphql-transport-ws,
 * plus `/health`, `/ready` and `/metrics`.
 */
export async function startGatewayServer(options: GatewayServerOptions, port: number, host: string): Promise<RunningGateway> {
  const { gateway, metrics } = options;
  // The runtime loads the supergraph on its first HTTP request: a WebSocket
  // operation that came first would meet no schema ("Expected null to be a GraphQL schema").
  await gateway.getSchema();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const path = (req.url ?? "/").split("?")[0];
    switch (path) {
      case "/health":
        json(res, 200, { status: "ok" });
        return "health";
      case "/ready": {
        const ok = await options.ready();
        json(res, ok ? 200 : 503, { status: ok ? "ready" : "unavailable" });
        return "ready";
      }
      case "/metrics":
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(await Registry.merge([metrics.registry, dbRegistry, feedRegistry, entityCacheRegistry]).metrics());
        return "metrics";
      case "/graphql": {
        if (req.method === "POST") {
          if (SIMPLE_CONTENT_TYPE.test(req.headers["content-type"] ?? "")) {
            refuse(res, 415, "POST /graphql takes application/json (or application/graphql-response+json)");
            return "graphql";
          }
          try {
            // The gateway's request adapter takes an already-read body from `req.body`.
            (req as IncomingMessage & { body?: Buffer }).body = await readBody(req, options.maxBodyBytes);
          } catch (error) {
            if (!(error instanceof BodyTooLarge)) throw error;
            // Stop reading what is left: the client gets the answer, and the connection closes (not to be reused).
            res.setHeader("connection", "close");
            refuse(res, 413, `Request body too large (the limit is ${options.maxBodyBytes} bytes)`);
            res.once("finish", () => req.destroy());
            return "graphql";
          }
        }
        await gateway.requestListener(req, res);
        return "graphql";
      }
      default:
        json(res, 404, { error: "not found" });
        return "other";
    }
  };

  const server = createServer((req, res) => {
    const stop = metrics.duration.startTimer();
    handle(req, res)
      .then((route) => {
        stop({ route });
        metrics.requests.inc({ route, status: String(res.statusCode) });
      })
      .catch((error: unknown) => {
        logger.error("gateway request failed", { error: String(error) });
        if (!res.headersSent) json(res, 500, { errors: [{ message: "Internal server error" }] });
        else res.end();
      });
  });

  // A WebSocket message is held to the same size as an HTTP body (ws would take 100 MiB).
  const wss = new WebSocketServer({ server, path: "/graphql", maxPayload: options.maxBodyBytes });
  const graphqlWs = getGraphQLWSOptions<Record<string, unknown>, { request: IncomingMessage }>(gateway, (ctx) => {
    metrics.wsConnections.inc();
    const headers = new Headers();
    for (const [k, v] of Object.entries(ctx.extra.request.headers)) if (typeof v === "string") headers.set(k, v);
    return {
      request: new Request(`http://localhost${ctx.extra.request.url ?? "/graphql"}`, { headers }),
      clientAddress: ctx.extra.request.socket.remoteAddress,
    };
  });
  const shared = new SharedResults(options.subscriptionBuffer ?? DEFAULT_SUBSCRIPTION_LIMITS.maxBuffered, () =>
    gatewaySubscriptionsEnded.inc({ reason: "SLOW_CONSUMER" }),
  );
  const wsServer = useServer(
    {
      ...graphqlWs,
      // The client's socket and subscription id ride in the context, for the shared results below.
      onSubscribe: async (ctx, id, payload) => {
        const args = await graphqlWs.onSubscribe!(ctx, id, payload);
        if (args && !Array.isArray(args)) {
          const wire: ClientWire = { id, socket: ctx.extra.socket };
          (args as { contextValue: Record<string, unknown> }).contextValue.wire = wire;
        }
        return args;
      },
      // Once the gateway has taken the client's subscription through all its rules, identical live
      // subscriptions of one principal share the results it makes, written to each client's
      // socket directly (./shared-subscriptions.ts).
      subscribe: async (args) => {
        // Always through the gateway's own `subscribe` first, even for a stream taken directly below:
        // every rule runs there (the runtime's onSubscribe above only carries the params): the key,
        // the rate limit, parsing, validation and the query limits, the cost one included (./limits.ts).
        const result = await graphqlWs.subscribe!(args);
        if (!isAsyncIterable(result)) return result;
        const context = args.contextValue as { params?: ClientOperation; principal?: Principal | null; wire?: ClientWire };
        const key = context.params ? liveOperationKey(context.params, context.principal) : undefined;
        if (!key) return result;
        // A new shared stream that one subgraph answers alone: its results directly
        // (./direct-subscriptions.ts); the gateway's own stream, through all its rules already, is let go.
        const direct =
          !shared.has(key) && options.direct
            ? await options.direct(context.params!, context.principal ?? null).catch((error: unknown) => {
                // The plan serves it: the gateway's own stream, already started.
                logger.warn("direct subscription did not start", { error: String(error) });
                return undefined;
              })
            : undefined;
        if (!direct) return shared.join(key, result as AsyncIterable<ExecutionResult>, context.wire);
        void (result as AsyncIterableIterator<ExecutionResult>).return?.()?.catch(() => undefined);
        gatewaySubscriptionsDirect.inc();
        return shared.join(key, direct, context.wire);
      },
    },
    wss,
  );
  logClientSocketErrors(wss);

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  const url = `http://${host === "0.0.0.0" ? "localhost" : host}:${address.port}/graphql`;

  return {
    server,
    url,
    port: address.port,
    close: async () => {
      await wsServer.dispose();
      wss.close();
      // In-flight requests finish; idle keep-alive sockets are closed at once.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await gateway.dispose();
    },
  };
}
