import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHttpTerminator } from "http-terminator";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap, type BaseContext } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { formatError } from "./errors";
import { logger } from "./logger";
import { PRINCIPAL_HEADER, verifyPrincipal, type Principal } from "./principal";
import { inSpan, requestContext, SpanKind } from "./tracing";
import { logClientSocketErrors } from "./websocket-errors";

export interface SubgraphServerOptions<TContext extends BaseContext> {
  name: string;
  schema: GraphQLSchema;
  internalSecret: string;
  /** Builds the per-request context (fresh loaders) for a verified principal. */
  createContext: (principal: Principal | null) => TContext | Promise<TContext>;
  /** True while the subgraph's dependencies answer; drives `/ready`. */
  ready: () => Promise<boolean>;
  /** Request bodies and WebSocket messages, at most (default 1 MiB). */
  maxBodyBytes?: number;
  /** Introspection (default off: the gateway builds the supergraph from code, and needs none). */
  introspection?: boolean;
  /** Routes of its own besides GraphQL (the exchange's imports): true when it answered the request. */
  http?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  schema: GraphQLSchema;
  server: Server;
  apollo: ApolloServer<any>;
  close(): Promise<void>;
}

/** How long shutdown waits for requests in flight before it cuts their connections (within the process's 10 s). */
const DRAIN_MS = 5_000;

const UNVERIFIED = "The request's principal could not be verified";

/** Reads the principal header; a missing, forged or stale one is refused outright. */
export async function principalFromHeader(header: string | string[] | undefined, secret: string): Promise<Principal | null> {
  const verdict = await verifyPrincipal(Array.isArray(header) ? header[0] : header, secret);
  if (!verdict.ok) {
    throw new GraphQLError(UNVERIFIED, {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
  }
  return verdict.principal;
}

/** Where a WebSocket operation carries its principal: the operation's own headers, the connection's params, or the upgrade request. */
function wsPrincipalHeader(
  ctx: { connectionParams?: Readonly<Record<string, unknown>>; extra: { request: IncomingMessage } },
  payload: { extensions?: Record<string, unknown> | null },
): string | undefined {
  const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
  const perOperation = (payload.extensions?.headers as Record<string, unknown> | undefined)?.[PRINCIPAL_HEADER];
  return (
    (typeof perOperation === "string" ? perOperation : undefined) ??
    (params[PRINCIPAL_HEADER] as string | undefined) ??
    (ctx.extra.request.headers[PRINCIPAL_HEADER] as string | undefined)
  );
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error("request body too large"), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/**
 * Serves one subgraph over HTTP (POST/GET `/graphql`, `/health`, `/ready`) and
 * graphql-transport-ws on the same path, so that it can run as its own process.
 */
export async function startSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
  port: number,
  host = "127.0.0.1",
): Promise<RunningSubgraph> {
  const { name, schema, internalSecret, createContext } = options;
  const maxBody = options.maxBodyBytes ?? 1_048_576;
  const apollo = new ApolloServer<TContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: options.introspection ?? false,
    csrfPrevention: true,
    // Shutdown is ours (src/shared/shutdown.ts): Apollo would stop and re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      const status = (error as { status?: number }).status ?? 500;
      if (status === 500) logger.error("subgraph request failed", { subgraph: name, error: String(error) });
      if (!res.headersSent) sendJson(res, status, { errors: [{ message: status === 413 ? "Request body too large" : "Internal server error" }] });
      else res.end();
    });
  });
  // Counts the sockets from the first one, for the drain on shutdown.
  const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: DRAIN_MS });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/health") return sendJson(res, 200, { status: "ok" });
    if (url.pathname === "/ready") {
      const ok = await options.ready();
      return sendJson(res, ok ? 200 : 503, { status: ok ? "ready" : "unavailable" });
    }
    if (options.http && (await options.http(req, res, url))) return;
    if (url.pathname !== "/graphql") return sendJson(res, 404, { error: "not found" });
    // Only a part of this deployment may ask anything, anonymous reads included: a request without a
    // valid signature is refused before its body is read (and the connection closed, not to read it).
    let principal: Principal | null;
    try {
      principal = await principalFromHeader(req.headers[PRINCIPAL_HEADER], internalSecret);
    } catch {
      res.setHeader("connection", "close");
      res.once("finish", () => req.destroy());
      return sendJson(res, 401, { errors: [{ message: UNVERIFIED, extensions: { code: "UNAUTHENTICATED" } }] });
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    // The gateway's trace goes on here, from the request's `traceparent`.
    const attributes = { "offergate.subgraph": name, "http.request.method": req.method ?? "GET", "url.path": url.pathname };
    await inSpan(`subgraph ${name}`, { kind: SpanKind.SERVER, attributes, parent: requestContext(req.headers) }, async (span) => {
      const raw = req.method === "POST" ? await readBody(req, maxBody) : "";
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        return sendJson(res, 400, { errors: [{ message: "Malformed JSON body", extensions: { code: "BAD_USER_INPUT" } }] });
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
        context: async () => createContext(principal),
      });
      span?.setAttribute("http.response.status_code", response.status ?? 200);
      const outHeaders: Record<string, string> = {};
      for (const [key, value] of response.headers) outHeaders[key] = value;
      res.writeHead(response.status ?? 200, outHeaders);
      if (response.body.kind === "complete") {
        res.end(response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    });
  }

  // ws would take messages of up to 100 MiB.
  const wss = new WebSocketServer({ server, path: "/graphql", maxPayload: maxBody });
  const wsServer = useServer(
    {
      schema,
      // The gateway multiplexes every client's subscriptions over one socket and
      // signs each operation's principal into `extensions.headers` (Hive's
      // propagateHeaders); a client of its own may sign its connection instead.
      context: async (ctx, _id, payload) => createContext(await principalFromHeader(wsPrincipalHeader(ctx, payload), internalSecret)),
      // A missing, forged or stale principal gets an error for that operation,
      // with its code, rather than a dropped socket.
      onSubscribe: async (ctx, _id, payload) => {
        if (!(await verifyPrincipal(wsPrincipalHeader(ctx, payload), internalSecret)).ok) {
          return [new GraphQLError(UNVERIFIED, { extensions: { code: "UNAUTHENTICATED" } })];
        }
        return undefined;
      },
      // Subscription results get the same error codes and masking as HTTP ones.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
    },
    wss,
  );
  logClientSocketErrors(wss);

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}/graphql`;
  logger.info("subgraph listening", { subgraph: name, url });

  let closing: Promise<void> | undefined;
  return {
    name,
    url,
    schema,
    server,
    apollo,
    // Once: a second call (the service closing a subgraph already closed) waits for the first.
    close: () =>
      (closing ??= (async () => {
        // Subscriptions first (1001, answered): http-terminator cuts an upgraded socket at once.
        await wsServer.dispose();
        wss.close();
        // No new connection, `connection: close` on the requests in flight, idle sockets closed, the rest cut after DRAIN_MS.
        await terminator.terminate();
        await apollo.stop();
      })()),
  };
}
