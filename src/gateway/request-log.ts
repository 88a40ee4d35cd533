import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { isAsyncIterable, type ExecutionResult } from "@graphql-tools/utils";
import { getOperationAST, type DocumentNode } from "graphql";
import { contractCode } from "../shared/error-codes";
import { logger } from "../shared/logger";
import type { Principal } from "../shared/principal";
import { graphqlErrors, operationDuration, operationNames, operationsTotal, subgraphCalls, wsSessions } from "./metrics";

/** What one operation of a request was, as far as it got (a query that does not parse has no type). */
export interface OperationSeen {
  name: string | null;
  type: string | null;
}

/** The principal's kind as logged: the contract's kinds, ANONYMOUS without a key. */
export const principalKind = (principal: Principal | null | undefined): string | undefined =>
  principal === undefined ? undefined : (principal?.kind ?? "ANONYMOUS");

/** Error codes seen by a request or a session, and how often. */
class Codes {
  readonly counts = new Map<string, number>();

  /** Counts the errors of results (one, a batch's, or a stream's event) under the code the client sees. */
  note(result: unknown): void {
    for (const r of Array.isArray(result) ? result : [result]) {
      for (const error of (r as ExecutionResult | null)?.errors ?? []) {
        const code = contractCode((error as { extensions?: { code?: unknown } }).extensions?.code);
        this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
        graphqlErrors.inc({ code });
      }
    }
  }

  /** The distinct codes, in the order first seen; omitted from a line when there are none. */
  list(): string[] | undefined {
    return this.counts.size ? [...this.counts.keys()] : undefined;
  }
}

/** One HTTP request to the gateway, filled in by the runtime's plugin below as it goes. */
export class RequestRecord {
  readonly started = performance.now();
  readonly operations: OperationSeen[] = [];
  readonly errors = new Codes();
  principalKind: string | undefined;
  /** Results sent as a stream (SSE, or multipart): counted as they go. */
  events: number | undefined;
  constructor(readonly requestId: string) {}
}

const records = new WeakMap<object, RequestRecord>();

/** A client's X-Request-ID is kept when it is a plain token; anything else is replaced, so that a log line cannot be forged through it. */
const CLIENT_REQUEST_ID = /^[\w.:@-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === "string" && CLIENT_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Starts the record of an HTTP request; its id goes back in the X-Request-ID
 * response header, and replaces the client's in the request: the runtime,
 * which takes that header as it is, then tags its own lines and its calls to
 * the subgraphs with the same id.
 */
export function beginRequest(req: IncomingMessage, res: ServerResponse): RequestRecord {
  const record = new RequestRecord(requestIdOf(req.headers["x-request-id"]));
  req.headers["x-request-id"] = record.requestId;
  records.set(req, record);
  res.setHeader("x-request-id", record.requestId);
  return record;
}

/** A request the HTTP server answers itself with an error (a body too large, not JSON): its code, as the runtime's results' are noted. */
export function noteRefusal(req: IncomingMessage, code: string): void {
  records.get(req)?.errors.note({ errors: [{ extensions: { code } }] });
}

/** Routes that probes and scrapers call every few seconds: logged at debug, not to drown the rest. */
const QUIET_ROUTES = new Set(["health", "ready", "metrics"]);

/**
 * Ends a request once its response is over (finished, or cut: `aborted`): one
 * log line, and the per-operation series of a GraphQL request.
 */
export function finishRequest(record: RequestRecord, req: IncomingMessage, res: ServerResponse, route: string, ended = performance.now()): void {
  const seconds = (ended - record.started) / 1000;
  const [first] = record.operations;
  const fields: Record<string, unknown> = {
    requestId: record.requestId,
    method: req.method,
    // The path only: a GET's query string carries the query and its variables.
    path: (req.url ?? "/").split("?")[0],
    route,
    status: res.statusCode,
    durationMs: Math.round(seconds * 1e4) / 10,
    operationName: first?.name ?? undefined,
    operationType: first?.type ?? undefined,
    operations: record.operations.length > 1 ? record.operations.length : undefined,
    principalKind: record.principalKind,
    errorCodes: record.errors.list(),
    events: record.events,
    aborted: res.writableFinished ? undefined : true,
  };
  if (QUIET_ROUTES.has(route)) logger.debug("http request", fields);
  else logger.info("http request", fields);
  for (const op of record.operations) operationDuration.observe(operationLabels(op), seconds);
}

const operationLabels = (op: OperationSeen) => ({
  operation: op.type === null ? "(unknown)" : operationNames.label(op.name ?? "(anonymous)"),
  type: op.type ?? "unknown",
});

/** One WebSocket connection to `/graphql`, logged once when it closes. */
export class SessionRecord {
  readonly started = performance.now();
  readonly errors = new Codes();
  operations = 0;
  subscriptions = 0;
  principalKind: string | undefined;
  constructor(readonly requestId: string) {}

  close(code: number, reason: string): void {
    const seconds = (performance.now() - this.started) / 1000;
    wsSessions.observe({ close_code: String(code) }, seconds);
    logger.info("websocket session", {
      requestId: this.requestId,
      durationMs: Math.round(seconds * 1e4) / 10,
      closeCode: code,
      closeReason: reason || undefined,
      principalKind: this.principalKind,
      operations: this.operations,
      subscriptions: this.subscriptions,
      errorCodes: this.errors.list(),
    });
  }
}

/** A GraphQL name: what a client sent as operationName is logged only when it is one. */
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/** The operation a parsed document runs (the named one, or its only one); of one that did not parse, only the name it was sent with. */
function operationOf(document: unknown, operationName: unknown): OperationSeen {
  const asked = typeof operationName === "string" && NAME.test(operationName) ? operationName : undefined;
  const ast =
    document && typeof document === "object" && (document as DocumentNode).kind === "Document" ? getOperationAST(document as DocumentNode, asked) : null;
  return { name: ast?.name?.value ?? asked ?? null, type: ast?.operation ?? null };
}

/** Results of a stream, counted (and their errors noted) as they pass; `return` still reaches the source at once. */
function counted(source: AsyncIterable<unknown>, record: RequestRecord): AsyncIterableIterator<unknown> {
  const it = source[Symbol.asyncIterator]();
  record.events = 0;
  return {
    next: async () => {
      const step = await it.next();
      if (!step.done) {
        record.events!++;
        record.errors.note(step.value);
      }
      return step;
    },
    return: async (value?: unknown) => (it.return ? it.return(value) : { value, done: true }),
    throw: async (error?: unknown) => (it.throw ? it.throw(error) : Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * What the runtime knows of a request, for its log line and the series:
 * each operation's name and type once parsed, the caller's kind once
 * authenticated, the error codes of what is sent (after the contract's codes
 * are set), and each call to a subgraph, timed. Last among the plugins: the
 * results it reads are final, and the subgraph executor it times is the one
 * the others settled on.
 */
export function useRequestLog(): GatewayPlugin {
  return {
    onParse({ context }) {
      return ({ result }) => {
        const record = records.get((context as { req?: object }).req ?? {});
        const op = operationOf(result, (context as { params?: { operationName?: unknown } }).params?.operationName);
        record?.operations.push(op);
        operationsTotal.inc({ ...operationLabels(op), transport: record ? "http" : "ws" });
      };
    },
    onExecute({ args }) {
      notePrincipal(args.contextValue);
    },
    onSubscribe({ args }) {
      notePrincipal(args.contextValue);
    },
    onResultProcess({ serverContext, result, setResult }) {
      const record = records.get((serverContext as { req?: object }).req ?? {});
      if (!record) return;
      if (isAsyncIterable(result)) setResult(counted(result, record) as typeof result);
      else record.errors.note(result);
    },
    onSubgraphExecute({ subgraphName, executionRequest, executor, setExecutor }) {
      const type = executionRequest.operationType ?? "query";
      setExecutor((request) => {
        const started = performance.now();
        const done = (outcome: string) => subgraphCalls.observe({ subgraph: subgraphName, type, outcome }, (performance.now() - started) / 1000);
        try {
          const answer = executor(request);
          return Promise.resolve(answer).then(
            (result) => {
              done(!isAsyncIterable(result) && (result as ExecutionResult).errors?.length ? "error" : "ok");
              return result;
            },
            (error: unknown) => {
              done("error");
              throw error;
            },
          );
        } catch (error) {
          done("error");
          throw error;
        }
      });
    },
  };
}

function notePrincipal(context: unknown): void {
  const ctx = context as { req?: object; principal?: Principal | null };
  const record = ctx.req ? records.get(ctx.req) : undefined;
  if (record) record.principalKind = principalKind(ctx.principal);
}
