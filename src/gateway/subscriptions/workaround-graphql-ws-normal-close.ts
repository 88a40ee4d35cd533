/**
 * Works around graphql-ws (client, 6.4.2): when the server closes the socket
 * with 1000 (Normal Closure) while a subscription is still open, the client
 * connects and subscribes again, whatever `retryAttempts` says
 * (`shouldRetryConnectOrThrow` returns `locks > 0` for 1000 before it looks
 * at the retry count). For a feed that would send the same `after` again and
 * replay events the client already has, with no word of the break.
 *
 * So any close before the subscription ended is taken as the connection
 * lost: the subscription is stopped (no lock left, no retry) and the client
 * is told UPSTREAM_CLOSED with its cursor.
 * Test: test/unit/websocket-upstream.test.ts, "takes a normal closure ...".
 */
export function lostOnCloseBeforeEnd(ended: () => boolean, lost: () => void): () => void {
  return () => {
    if (!ended()) lost();
  };
}
