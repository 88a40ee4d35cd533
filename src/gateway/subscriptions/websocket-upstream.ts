import type { ExecutionRequest, ExecutionResult } from "@graphql-tools/utils";
import { createGraphQLError } from "@graphql-tools/utils";
import { print, type GraphQLError, type GraphQLFormattedError } from "graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { Upstream } from "./upstream";
import { lostOnCloseBeforeEnd } from "./workaround-graphql-ws-normal-close";

const toGraphQLError = (e: GraphQLFormattedError | Error): GraphQLError =>
  createGraphQLError(e.message, {
    path: "path" in e ? e.path : undefined,
    extensions: "extensions" in e ? (e.extensions as Record<string, unknown>) : undefined,
  });

/**
 * A subgraph subscription over a WebSocket of its own, so that TCP carries
 * backpressure end to end: a paused socket stalls the subgraph's sends, and
 * the exchange stops reading the log for it (its hub sends it back to reading
 * at its own pace). The connection never retries on its own: a retry would
 * send the same `after` again and replay events the client already has; the
 * client resumes with its cursor instead (graphql-ws would retry on a normal
 * closure all the same: ./workaround-graphql-ws-normal-close.ts).
 */
export function webSocketUpstream(url: string, request: ExecutionRequest): Upstream {
  return (sink) => {
    let socket: WebSocket | undefined;
    let paused = false;
    let ended = false;
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: true,
      lazyCloseTimeout: 0,
      retryAttempts: 0,
      on: {
        opened: (s) => void (socket = s as WebSocket),
        closed: lostOnCloseBeforeEnd(
          () => ended,
          () => {
            stop();
            sink.lost();
          },
        ),
      },
    });
    const unsubscribe = client.subscribe(
      {
        query: print(request.document),
        variables: request.variables as Record<string, unknown> | undefined,
        operationName: request.operationName,
        extensions: request.extensions,
      },
      {
        // Plain JSON errors would be masked by the gateway; GraphQLErrors keep their codes.
        next: (result) => sink.next({ ...result, errors: result.errors?.map(toGraphQLError) } as ExecutionResult),
        // Once stopped here (disposed, or lost), graphql-ws's own ending is not passed on.
        error: (error) => {
          if (ended) return;
          ended = true;
          if (Array.isArray(error)) sink.fail((error as GraphQLFormattedError[]).map(toGraphQLError));
          else sink.lost();
        },
        complete: () => {
          if (ended) return;
          ended = true;
          sink.complete();
        },
      },
    );
    function stop() {
      ended = true;
      // A paused socket would never read the subgraph's close frame, and hold its server's shutdown for 30 s.
      if (paused) socket?.resume();
      unsubscribe();
      void client.dispose();
    }
    return {
      pause: () => {
        if (!socket) return false;
        socket.pause();
        return (paused = true);
      },
      resume: () => {
        socket?.resume();
        paused = false;
      },
      dispose: stop,
    };
  };
}
