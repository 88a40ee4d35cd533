/**
 * How long ioredis waits, after `disconnect()`, for its socket to close
 * before destroying it (its `disconnectTimeout`, 2 s by default). The timer
 * is cleared when the socket closes; a connection that was already lost
 * never closes again, so with the default every close made while Redis is
 * unreachable holds the process for 2 s (a replica's shutdown, the end of
 * a test run). A healthy Redis closes its side at once.
 */
export const REDIS_DISCONNECT_TIMEOUT_MS = 200;

/**
 * How long one Redis command on a request's path may take: a healthy Redis
 * answers in a millisecond or two, so one that takes longer is treated as
 * down for that request (ioredis's `commandTimeout`).
 */
export const REDIS_COMMAND_TIMEOUT_MS = 100;

/** After a command failed or timed out, Redis is not asked again on a request's path for this long. */
export const REDIS_BACKOFF_MS = 1_000;

/** Whether a request should ask Redis now, or go on without it (its caller then falls back to what this process knows). */
export interface RedisGate {
  usable(): boolean;
  /** A command failed or timed out: stop asking for REDIS_BACKOFF_MS. */
  failed(): void;
}

/**
 * Asks Redis only while its connection is ready and no command failed in the
 * last REDIS_BACKOFF_MS; before the first connection, commands wait for it
 * (a new replica uses Redis from its first request). ioredis would otherwise
 * queue every command made while it reconnects, and answer it only when a
 * reconnection succeeds or its retries run out: seconds per request.
 */
export function redisGate(client: { readonly status: string; on(event: "ready", listener: () => void): unknown }): RedisGate {
  let everReady = client.status === "ready";
  let failedUntil = 0;
  client.on("ready", () => {
    everReady = true;
    failedUntil = 0;
  });
  return {
    usable: () =>
      client.status === "ready" ? Date.now() >= failedUntil : !everReady && ["wait", "connecting", "connect"].includes(client.status),
    failed: () => void (failedUntil = Date.now() + REDIS_BACKOFF_MS),
  };
}
