import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";

type MutableError = { extensions?: Record<string, unknown> };

/**
 * GraphQL over SSE ("distinct connections" mode) reports errors found before
 * execution (an unknown key, a rate limit) as `next` events of an accepted
 * stream: an HTTP error status would make clients fail the connection without
 * reading them (graphql-sse throws "Server responded with 401"). So an
 * event-stream response keeps status 200 and the error its contract code.
 */
export function useEventStreamErrorsInStream(): GatewayPlugin {
  return {
    onResultProcess({ request, result }) {
      if (!/\btext\/event-stream\b/.test(request.headers.get("accept") ?? "")) return;
      for (const r of Array.isArray(result) ? result : [result]) {
        for (const error of ((r as { errors?: MutableError[] } | null)?.errors ?? []) as MutableError[]) {
          const http = error.extensions?.http as { status?: number } | undefined;
          if (!http?.status) continue;
          const { status: _status, ...rest } = http;
          // Extensions are frozen on some paths: replace the object.
          Object.defineProperty(error, "extensions", {
            value: { ...error.extensions, http: rest },
            enumerable: true,
            configurable: true,
            writable: true,
          });
        }
      }
    },
  };
}
