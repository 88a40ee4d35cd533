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
 * How long one Redis command on a request's path may take before the request
 * goes on without it. A healthy Redis answers in a millisecond or two, but
 * the reply is read only when the event loop gets to it: a busy gateway
 * (dozens of requests in flight) measured over 100 ms, so a tighter bound
 * would take a busy process for a dead Redis.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * `command`, or a rejection once it has not answered in `ms`. Checked again
 * after the event loop has read its sockets (`setImmediate` runs after the
 * poll phase): on a busy process the timer and a reply that came in time are
 * often due together, and the timer would win.
 */
export function withTimeout<T>(command: Promise<T>, ms = REDIS_COMMAND_TIMEOUT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => setImmediate(() => settled || reject(new Error(`redis command timed out after ${ms} ms`))), ms);
    command.then(
      (value) => {
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * How long a request waits for a Redis reply before going on with what this
 * process knows (a local count, a local revocation generation). The command
 * itself still runs, and only its REDIS_COMMAND_TIMEOUT_MS marks Redis as
 * failing: a busy process reading a reply late loses nothing but that reply.
 */
export const REDIS_REQUEST_BUDGET_MS = 50;

/**
 * `{ value }` once `command` answers within `ms`, or undefined when it is
 * late (its later answer or failure is then ignored); rejects if it fails
 * in time. Rechecked after the poll phase, as in `withTimeout`.
 */
export function withinBudget<T>(command: Promise<T>, ms = REDIS_REQUEST_BUDGET_MS): Promise<{ value: T } | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => setImmediate(() => settled || ((settled = true), resolve(undefined))), ms);
    command.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ value });
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** After a command failed or timed out, requests stop asking Redis; it is probed this often until it answers again. */
export const REDIS_PROBE_MS = 1_000;

/** Whether a request should ask Redis now, or go on without it (its caller then falls back to what this process knows). */
export interface RedisGate {
  usable(): boolean;
  /** As `usable`, but regardless of late commands: for a health check, which a busy process's late reply must not fail. */
  reachable(): boolean;
  /** A command failed or timed out: requests stop asking until a probe (a PING, off their path) is answered. */
  failed(): void;
  /** A command outlived a request's budget: requests stop asking until it settles (it answers, or its timeout calls `failed`). */
  late(command: Promise<unknown>): void;
}

/** Whether requests are to leave a Redis alone, by URL: one client's timeout spares the others theirs. */
const failing = new Map<string, { probe: NodeJS.Timeout }>();
/** How many commands that outlived a request's budget are still unanswered, by URL. */
const lagging = new Map<string, number>();

/**
 * Asks Redis only while its connection is ready and no command on any client
 * of the same URL has failed since the last answer; before the first
 * connection, commands wait for it (a new replica uses Redis from its first
 * request). ioredis would otherwise queue every command made while it
 * reconnects, and answer it only when a reconnection succeeds or its retries
 * run out: seconds per request. So a Redis that is down costs a request
 * nothing, and one that hangs costs the first request that finds it so
 * REDIS_REQUEST_BUDGET_MS (`withinBudget`): the others leave it alone while
 * that command is unanswered, then, once it timed out, until a PING answers.
 */
export function redisGate(
  url: string,
  client: { readonly status: string; on(event: "ready", listener: () => void): unknown; ping(): Promise<unknown> },
): RedisGate {
  let everReady = client.status === "ready";
  const recovered = () => {
    clearInterval(failing.get(url)?.probe);
    failing.delete(url);
  };
  client.on("ready", () => {
    everReady = true;
    recovered();
  });
  const reachable = () => (client.status === "ready" ? !failing.has(url) : !everReady && ["wait", "connecting", "connect"].includes(client.status));
  return {
    usable: () => reachable() && !lagging.has(url),
    reachable,
    late: (command) => {
      lagging.set(url, (lagging.get(url) ?? 0) + 1);
      const settled = () => {
        const n = (lagging.get(url) ?? 1) - 1;
        if (n > 0) lagging.set(url, n);
        else lagging.delete(url);
      };
      command.then(settled, settled);
    },
    failed: () => {
      if (failing.has(url)) return;
      const probe = setInterval(() => {
        if (client.status === "ready") client.ping().then(recovered, () => undefined);
        // This client was closed: let requests ask again (with their timeouts) rather than never.
        else if (client.status === "end") recovered();
      }, REDIS_PROBE_MS);
      probe.unref();
      failing.set(url, { probe });
    },
  };
}
