import type { IncomingHttpHeaders } from "node:http";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TracerProvider,
} from "@opentelemetry/api";
import type { GatewayConfigContext, GatewayPlugin } from "@graphql-hive/gateway-runtime";
import type { Connection } from "mongoose";
import { commandsOf } from "./db-metrics";
import { logger } from "./logger";

/**
 * OpenTelemetry traces, set up once per process before anything else runs:
 * off (no provider, no plugin, no listener, nothing stored) unless an OTLP
 * endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT). When on, one trace
 * follows a request through the gateway (Hive's OpenTelemetry plugin), into
 * each subgraph (W3C `traceparent` over HTTP, the active context in
 * process), down to each MongoDB command, and on to the feed: an event
 * keeps the `traceparent` of the mutation that raised it, and the spans that
 * push it to a subscription or deliver it to a webhook are its children.
 */
let enabled = false;
let provider: (TracerProvider & { forceFlush?(): Promise<void>; shutdown?(): Promise<void> }) | undefined;

export const tracingEnabled = (): boolean => enabled;

const tracer = () => trace.getTracer("offergate");

export interface TracingOptions {
  /** The OTLP/HTTP base URL (traces go to `<endpoint>/v1/traces`); unset: tracing stays off. */
  endpoint?: string;
  serviceName: string;
}

/** Registers the tracer provider, the async context manager and the W3C propagators, exporting by OTLP/HTTP (JSON). */
export async function startTracing(options: TracingOptions): Promise<void> {
  if (!options.endpoint || enabled) return;
  // Loaded only when on: a process without an endpoint never loads the SDK.
  const [{ openTelemetrySetup }, { AsyncLocalStorageContextManager }, { OTLPTraceExporter }, { Logger }] = await Promise.all([
    import("@graphql-hive/plugin-opentelemetry/setup"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@graphql-hive/logger"),
  ]);
  openTelemetrySetup({
    contextManager: new AsyncLocalStorageContextManager(),
    resource: { serviceName: options.serviceName },
    traces: { exporter: new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, "")}/v1/traces` }) },
    configureDiagLogger: false,
    // Our logs are JSON lines on stderr: the setup's own notice (multi-line, on stdout) is ours below instead.
    log: new Logger({ level: "error" }),
  });
  provider = (trace.getTracerProvider() as { getDelegate?(): TracerProvider }).getDelegate?.() as typeof provider;
  enabled = true;
  logger.info("tracing on", { endpoint: options.endpoint, service: options.serviceName });
}

/** Sends the spans still waiting in the batch (tests, and before the process exits). */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush?.();
}

/** Flushes and turns tracing off again (tests that start it themselves). */
export async function stopTracing(): Promise<void> {
  if (!enabled) return;
  await provider?.shutdown?.();
  const { disable } = await import("@graphql-hive/plugin-opentelemetry/setup");
  disable();
  provider = undefined;
  enabled = false;
}

/** The W3C `traceparent` of the active span, to store with what it causes; undefined when tracing is off or no span is active. */
export function currentTraceparent(): string | undefined {
  if (!enabled || !trace.getSpan(context.active())) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a stored or received `traceparent` names (the root context when there is none). */
export function contextOf(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** A link to the span a stored `traceparent` names, for work that serves several traces at once. */
export function linkTo(traceparent: string): Link | undefined {
  const spanContext = trace.getSpanContext(contextOf(traceparent));
  return spanContext ? { context: spanContext } : undefined;
}

/**
 * Runs `fn` in a span (child of `parent`, by default the active context),
 * ended when it settles and marked as an error when it throws. With tracing
 * off it is `fn` itself, called with no span.
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; links?: Link[]; parent?: Context },
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!enabled) return fn(undefined);
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes, links: options.links }, options.parent ?? context.active());
  try {
    return await context.with(trace.setSpan(options.parent ?? context.active(), span), () => fn(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: String((error as Error)?.message ?? error) });
    throw error;
  } finally {
    span.end();
  }
}

/** Runs `fn` outside any trace: background work a request only woke up (a webhook's deliveries) must not join that request's trace. */
export function detached<T>(fn: () => T): T {
  return enabled ? context.with(ROOT_CONTEXT, fn) : fn();
}

/** A span already over: the moment something happened (an event pushed to a subscription), in the trace that caused it. */
export function markSpan(name: string, parent: Context, attributes: Attributes): void {
  if (!enabled) return;
  tracer().startSpan(name, { kind: SpanKind.PRODUCER, attributes }, parent).end();
}

/** The context a subgraph's HTTP request carries from the gateway (its `traceparent`), for the span that serves it. */
export function requestContext(headers: IncomingHttpHeaders): Context {
  return enabled ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;
}

/** The headers that carry the active span to the next hop (`traceparent`); none when tracing is off. */
export function traceHeaders(): Record<string, string> {
  if (!enabled) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * A client span per MongoDB command a connection sends, child of the span
 * active when the collection operation began, from mongoose's
 * `operation-start` / `operation-end` (the driver's command monitoring would
 * decode every reply twice; see db-metrics.ts). A cursor's span ends when
 * the cursor closes, once its batches are read.
 */
export function traceDatabase(connection: Connection): void {
  if (!enabled) return;
  const open = new Map<string, Span>();
  connection.on("operation-start", (op: { _id: { toString(): string }; collectionName: string; method: string; params: unknown[] }) => {
    const parent = context.active();
    // Commands outside any request (sweeps, polls) are not traced: they would each start a trace of their own.
    if (!trace.getSpan(parent)) return;
    const command = commandsOf(op.method, op.params).join(",") || op.method;
    const collection = op.collectionName;
    open.set(
      op._id.toString(),
      tracer().startSpan(
        `${command} ${collection}`,
        {
          kind: SpanKind.CLIENT,
          attributes: { "db.system": "mongodb", "db.namespace": connection.name, "db.collection.name": collection, "db.operation.name": command, "offergate.mongoose.method": op.method },
        },
        parent,
      ),
    );
  });
  connection.on("operation-end", (op: { _id: { toString(): string }; result?: unknown; error?: unknown }) => {
    const id = op._id.toString();
    const span = open.get(id);
    if (!span) return;
    open.delete(id);
    if (op.error) {
      span.recordException(op.error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: String((op.error as Error)?.message ?? op.error) });
    }
    const cursor = op.result as { once?: (event: string, listener: () => void) => unknown; toArray?: unknown } | undefined;
    if (cursor && typeof cursor.toArray === "function" && typeof cursor.once === "function") cursor.once("close", () => span.end());
    else span.end();
  });
}

export { SpanKind };

/**
 * Hive's OpenTelemetry plugin for the gateway runtime (HTTP request,
 * GraphQL parse/validate/execute, one span per subgraph call, `traceparent`
 * on each upstream request), or none when tracing is off. Required here, not
 * imported, so that a process without tracing never loads it.
 */
export function gatewayTracingPlugins(configContext: GatewayConfigContext): GatewayPlugin[] {
  if (!enabled) return [];
  const { useOpenTelemetry } = require("@graphql-hive/plugin-opentelemetry") as typeof import("@graphql-hive/plugin-opentelemetry");
  return [useOpenTelemetry({ ...configContext, traces: true, useContextManager: true }) as GatewayPlugin];
}
