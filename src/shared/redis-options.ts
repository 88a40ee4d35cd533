/**
 * How long ioredis waits, after `disconnect()`, for its socket to close
 * before destroying it (its `disconnectTimeout`, 2 s by default). The timer
 * is cleared when the socket closes; a connection that was already lost
 * never closes again, so with the default every close made while Redis is
 * unreachable holds the process for 2 s (a replica's shutdown, the end of
 * a test run). A healthy Redis closes its side at once.
 */
export const REDIS_DISCONNECT_TIMEOUT_MS = 200;
