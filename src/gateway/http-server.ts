import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getGraphQLWSOptions } from "@graphql-hive/gateway-runtime";
import { isAsyncIterable, type ExecutionResult } from "@graphql-tools/utils";
import { useServer } from "graphql-ws/use/ws";
import WebSocket, { WebSocketServer } from "ws";
import { createHttpTerminator } from "http-terminator";
import { Registry } from "prom-client";
import { dbRegistry } from "../shared/db-metrics";
import { feedRegistry, gatewaySubscriptionsDirect, gatewaySubscriptionsEnded } from "../shared/feed-metrics";
import type { Principal } from "../shared/principal";
import { settlesWithin } from "../shared/shutdown";
import { logClientSocketErrors } from "../shared/websocket-errors";
import {
  type ClientOperation,
  type ClientWire,
  CloseCode,
  DEFAULT_SUBSCRIPTION_LIMITS,
  type DirectSubscribe,
  isSubscription,
  type Lease,
  loadSchemaBeforeWebSockets,
  liveOperationKey,
  LiveSessions,
  SharedResults,
  tooManySubscriptions,
} from "./subscriptions";
import { entityCacheRegistry } from "./entity-cache";
import { logger } from "../shared/logger";
import { bearerKey, type Authenticator } from "./authenticate";
import type { Gateway } from "./gateway";
import { operationRegistry, type Metrics } from "./metrics";
import { clientAddress } from "./rate-limit";
import type { PagesHandler } from "./pages";
import { beginRequest, finishRequest, noteRefusal, principalKind, requestIdOf, SessionRecord } from "./request-log";

export interface GatewayServerOptions {
  gateway: Gateway;
  metrics: Metrics;
  /** True while the database and the event bus answer. */
  ready: () => Promise<boolean>;
  maxBodyBytes: number;
  /** Results a client may fall behind a subscription it shares with others before it is cut off (SUBSCRIPTION_BUFFER). */
  subscriptionBuffer?: number;
  /** Web origins whose pages may call `/graphql` (CORS_ORIGINS); none when empty or omitted. */
  corsOrigins?: string[];
  /** Shared live subscriptions that one subgraph answers alone take its results directly (./subscriptions/direct.ts). */
  direct?: DirectSubscribe;
  /** Live sockets and subscriptions: their caps, their end on shutdown, `closeKey` (the gateway's plugin counts SSE subscriptions in the same). */
  sessions?: LiveSessions;
  /** Checks the key a WebSocket presents at `connection_init`: an unknown one is closed with 4401 instead of acknowledged. */
  authenticate?: Authenticator;
  /** WebSocket ping interval (WS_KEEPALIVE_MS, default 12 s). */
  keepAliveMs?: number;
  /** SUBSCRIPTION_STALL_MS: a socket behind on reading is left to the subscriptions' slow-consumer cut-off this long before the keep-alive drops it. */
  subscriptionStallMs?: number;
  /** Tell clients apart by the last X-Forwarded-For address (TRUST_PROXY). */
  trustProxy?: boolean;
  /** `/imports/*` (CSV imports), answered by the exchange (./imports-forward.ts). */
  imports?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The IDE and the explorer (./pages.ts). */
  pages?: PagesHandler;
}

export interface RunningGateway {
  server: Server;
  url: string;
  port: number;
  /** The live sockets and subscriptions (`closeKey` ends an account's). */
  sessions: LiveSessions;
  close(): Promise<void>;
}

/** How long shutdown waits for open responses and sockets to end before it cuts them. */
const DRAIN_MS = 5_000;

/** Listens, or rejects (EADDRINUSE names the port) instead of leaving the process up and not listening. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
};

/** A request refused before the runtime sees it: its code goes into the request's line and the series too. */
const refuse = (req: IncomingMessage, res: ServerResponse, status: number, message: string) => {
  noteRefusal(req, "BAD_USER_INPUT");
  json(res, status, { errors: [{ message, extensions: { code: "BAD_USER_INPUT" } }] });
};

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

/** A JSON request body (application/json, or a +json type). */
const JSON_CONTENT_TYPE = /^\s*application\/([\w.-]+\+)?json\s*(;|$)/i;

/** True when a body parses as JSON, as the runtime will parse it (UTF-8; a BOM is not JSON). */
const isJson = (body: Buffer) => {
  try {
    JSON.parse(body.toString("utf8"));
    return true;
  } catch {
    return false;
  }
};

/**
 * CORS by allow-list: an allowed origin is named back (never `*`, never with
 * credentials: keys travel in the Authorization header, which a page must set
 * itself); any other gets no CORS header, so its browser keeps the answer
 * from it. Answers a preflight itself; true when the request was one.
 */
function applyCors(req: IncomingMessage, res: ServerResponse, allowed: ReadonlySet<string>): boolean {
  // The answer depends on the Origin: a cache must not give one origin's answer to another.
  res.setHeader("vary", "Origin");
  const origin = req.headers.origin;
  const permitted = origin !== undefined && allowed.has(origin);
  if (permitted) res.setHeader("access-control-allow-origin", origin);
  if (req.method !== "OPTIONS") return false;
  if (permitted) {
    res.setHeader("access-control-allow-methods", "GET, POST");
    res.setHeader("access-control-allow-headers", "authorization, content-type, accept");
    res.setHeader("access-control-max-age", "600");
  }
  res.writeHead(204, { "content-length": "0" });
  res.end();
  return true;
}

/**
 * The one public port: GraphQL at `/graphql` over HTTP and graphql-transport-ws,
 * plus `/health`, `/ready` and `/metrics`.
 */
export async function startGatewayServer(options: GatewayServerOptions, port: number, host: string): Promise<RunningGateway> {
  const { gateway, metrics } = options;
  await loadSchemaBeforeWebSockets(gateway);

  const corsOrigins = new Set(options.corsOrigins ?? []);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const path = (req.url ?? "/").split("?")[0];
    const page = options.pages?.(req, res, path);
    if (page) return page;
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
        res.end(await Registry.merge([metrics.registry, operationRegistry, dbRegistry, feedRegistry, entityCacheRegistry]).metrics());
        return "metrics";
      case "/graphql": {
        if (applyCors(req, res, corsOrigins)) return "graphql";
        if (req.method === "POST") {
          if (SIMPLE_CONTENT_TYPE.test(req.headers["content-type"] ?? "")) {
            refuse(req, res, 415, "POST /graphql takes application/json (or application/graphql-response+json)");
            return "graphql";
          }
          try {
            // The gateway's request adapter takes an already-read body from `req.body`.
            (req as IncomingMessage & { body?: Buffer }).body = await readBody(req, options.maxBodyBytes);
          } catch (error) {
            if (!(error instanceof BodyTooLarge)) throw error;
            // Stop reading what is left: the client gets the answer, and the connection closes (not to be reused).
            res.setHeader("connection", "close");
            refuse(req, res, 413, `Request body too large (the limit is ${options.maxBodyBytes} bytes)`);
            res.once("finish", () => req.destroy());
            return "graphql";
          }
          // GraphQL over HTTP: a JSON body that is empty or does not parse is a 400, whatever the client accepts (the runtime would answer 200 to `Accept: application/json`).
          const body = (req as IncomingMessage & { body: Buffer }).body;
          if (JSON_CONTENT_TYPE.test(req.headers["content-type"] ?? "") && !isJson(body)) {
            refuse(req, res, 400, body.length === 0 ? "The request body is empty" : "The request body is not valid JSON");
            return "graphql";
          }
        }
        await gateway.requestListener(req, res);
        return "graphql";
      }
      default:
        if (options.imports && path?.startsWith("/imports/")) {
          await options.imports(req, res);
          return "imports";
        }
        json(res, 404, { error: "not found" });
        return "other";
    }
  };

  const server = createServer((req, res) => {
    const stop = metrics.duration.startTimer();
    const record = beginRequest(req, res);
    // Its line once the response is over (sent or cut; a stream's, SSE, when it ends) and its route known.
    const closed = new Promise<number>((resolve) => res.once("close", () => resolve(performance.now())));
    handle(req, res)
      .then((route) => {
        stop({ route });
        metrics.requests.inc({ route, status: String(res.statusCode) });
        return route;
      })
      .catch((error: unknown) => {
        logger.error("gateway request failed", { requestId: record.requestId, error: String(error) });
        if (!res.headersSent) json(res, 500, { errors: [{ message: "Internal server error" }] });
        else res.end();
        return "other";
      })
      .then(async (route) => finishRequest(record, req, res, route, await closed));
  });
  // Counts the sockets from the first one, for the drain on shutdown.
  const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: DRAIN_MS });

  // Bound before the WebSocket server is attached: a port in use rejects here, and nothing is left listening to it.
  try {
    await listen(server, port, host);
  } catch (error) {
    await Promise.resolve(gateway.dispose()).catch(() => undefined);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${host === "0.0.0.0" ? "localhost" : host}:${address.port}/graphql`;
  const sessions = options.sessions ?? new LiveSessions();
  const keepAliveMs = options.keepAliveMs ?? 12_000;
  const stallMs = options.subscriptionStallMs ?? DEFAULT_SUBSCRIPTION_LIMITS.stallMs;

  // A WebSocket message is held to the same size as an HTTP body (ws would take 100 MiB).
  const wss = new WebSocketServer({ server, path: "/graphql", maxPayload: options.maxBodyBytes });
  const sessionRecords = new WeakMap<WebSocket, SessionRecord>();
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
  type Extra = { socket: WebSocket; request: IncomingMessage; keyId?: string };
  const sessionOf = (socket: WebSocket) => sessionRecords.get(socket);
  const wsServer = useServer<Record<string, unknown>, Extra>(
    {
      ...graphqlWs,
      // The key is checked at connection_init: an unknown, revoked or malformed one is closed with 4401, not acknowledged.
      onConnect: async (ctx) => {
        if (!options.authenticate) return true;
        const params = ctx.connectionParams ?? {};
        const header = (params.authorization ?? params.Authorization) as string | undefined;
        try {
          const key = bearerKey(typeof header === "string" ? header : undefined);
          if (key === undefined) return true;
          const principal = await options.authenticate(key);
          const session = sessionOf(ctx.extra.socket);
          if (session) session.principalKind = principalKind(principal);
          ctx.extra.keyId = principal.id ?? principal.kind;
          sessions.setSocketKey(ctx.extra.socket, ctx.extra.keyId);
          return true;
        } catch (error) {
          const code = (error as { extensions?: { code?: string } }).extensions?.code;
          if (code === "UNAUTHENTICATED") ctx.extra.socket.close(CloseCode.Unauthenticated, "Unknown or revoked API key");
          else ctx.extra.socket.close(CloseCode.TryAgainLater, "Keys cannot be checked now; try again later");
          return false;
        }
      },
      // The client's socket and subscription id ride in the context, for the shared results below;
      // a subscription over the caps (per socket, per key) is refused with RATE_LIMITED, and the socket goes on.
      onSubscribe: async (ctx, id, payload) => {
        let lease: Lease | undefined;
        const session = sessionOf(ctx.extra.socket);
        if (session) {
          session.operations++;
          if (isSubscription(payload)) session.subscriptions++;
        }
        if (isSubscription(payload)) {
          const { maxSubscriptionsPerSocket, maxSubscriptionsPerKey } = sessions.limits;
          // graphql-ws lists this one already.
          if (Object.keys(ctx.subscriptions).length > maxSubscriptionsPerSocket) return [tooManySubscriptions("socket", maxSubscriptionsPerSocket)];
          lease = sessions.reserve(ctx.extra.keyId ?? null, ctx.extra.socket);
          if (!lease) return [tooManySubscriptions("key", maxSubscriptionsPerKey)];
        }
        try {
          const args = await graphqlWs.onSubscribe!(ctx, id, payload);
          if (args && !Array.isArray(args)) {
            const wire: ClientWire = { id, socket: ctx.extra.socket };
            Object.assign((args as { contextValue: Record<string, unknown> }).contextValue, { wire, lease });
          } else lease?.release();
          return args;
        } catch (error) {
          lease?.release();
          throw error;
        }
      },
      // Once the gateway has taken the client's subscription through all its rules, identical live
      // subscriptions of one principal share the results it makes, written to each client's
      // socket directly (./subscriptions/shared.ts).
      // What graphql-ws sends itself (not the shared results, written to the sockets directly): errors into the session's codes.
      onNext: (ctx, _id, _payload, _args, result) => {
        sessionOf(ctx.extra.socket)?.errors.note(result);
      },
      onError: (ctx, _id, _payload, errors) => {
        sessionOf(ctx.extra.socket)?.errors.note({ errors });
      },
      subscribe: async (args) => {
        const lease = (args.contextValue as { lease?: Lease }).lease;
        try {
          const result = await subscribeShared(args);
          if (!isAsyncIterable(result)) {
            lease?.release();
            return result;
          }
          // Counted against its key until it ends, and ended by shutdown or `closeKey`.
          return lease ? lease.track(result as AsyncIterable<ExecutionResult>) : result;
        } catch (error) {
          lease?.release();
          throw error;
        }
      },
    },
    wss,
    // graphql-ws's own keep-alive would drop a slow consumer as a dead one: see keepAlive below.
    0,
  );
  async function subscribeShared(args: Parameters<NonNullable<typeof graphqlWs.subscribe>>[0]) {
    // Always through the gateway's own `subscribe` first, even for a stream taken directly below:
    // every rule runs there (the runtime's onSubscribe above only carries the params): the key,
    // the rate limit, parsing, validation and the query limits, the cost one included (./limits.ts).
    const result = await graphqlWs.subscribe!(args);
    if (!isAsyncIterable(result)) return result;
    const context = args.contextValue as { params?: ClientOperation; principal?: Principal | null; wire?: ClientWire };
    const key = context.params ? liveOperationKey(context.params, context.principal) : undefined;
    if (!key) return result;
    // A new shared stream that one subgraph answers alone: its results directly
    // (./subscriptions/direct.ts); the gateway's own stream, through all its rules already, is let go.
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
  }
  logClientSocketErrors(wss);
  // Sockets per client address, and the keep-alive; one log line per socket, when it closes.
  wss.on("connection", (socket, request) => {
    const session = new SessionRecord(requestIdOf(request.headers["x-request-id"]));
    // The operations' requests are built from these headers: the runtime tags them with this id.
    request.headers["x-request-id"] = session.requestId;
    sessionRecords.set(socket, session);
    socket.once("close", (code, reason) => session.close(code, reason.toString()));
    const from = clientAddress(request.socket.remoteAddress, request.headers["x-forwarded-for"] as string | undefined, options.trustProxy ?? false);
    if (!sessions.openSocket(socket, from)) {
      socket.close(CloseCode.TryAgainLater, `Too many connections from this address (at most ${sessions.limits.maxSocketsPerAddress})`);
      return;
    }
    socket.once("close", () => sessions.socketClosed(socket));
    sessions.keepAlive(socket, keepAliveMs, stallMs);
  });

  return {
    server,
    url,
    port: address.port,
    sessions,
    close: async () => {
      // End every subscription first (an SSE stream with its `complete`, every WebSocket with 1001 and its
      // answer): http-terminator cuts an upgraded socket at once. A client that does not answer is cut.
      sessions.shutdown();
      const disposed = Promise.resolve(wsServer.dispose());
      if (!(await settlesWithin(disposed, DRAIN_MS))) {
        logger.warn("shutdown: WebSockets still open after the drain, cut", { drainMs: DRAIN_MS });
        for (const socket of wss.clients) socket.terminate();
        await disposed;
      }
      // Then no new connection, `connection: close` on the responses in flight, idle sockets closed, the rest cut after DRAIN_MS.
      await terminator.terminate();
      await gateway.dispose();
    },
  };
}
