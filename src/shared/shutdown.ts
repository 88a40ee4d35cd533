import { createServer } from "node:net";
import { ConfigError } from "./config";
import { logger } from "./logger";

/**
 * Closes the process on SIGTERM/SIGINT: `close` lets in-flight requests finish
 * and stops owned resources; a second signal, or 10 s, forces the exit.
 */
export function onShutdown(close: () => Promise<void>, graceMs = 10_000): void {
  let closing = false;
  const stop = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    logger.info("shutting down", { signal });
    setTimeout(() => process.exit(1), graceMs).unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("shutdown failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/** Whether `promise` settles within `ms` (it goes on either way). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends a start that failed, with exit code 1 and one clear line on stderr for
 * what the operator must fix (a bad variable, a port in use); anything else is logged.
 */
export function failStart(part: string, error: unknown): never {
  const listen = error as (NodeJS.ErrnoException & { port?: number; address?: string }) | undefined;
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else if (listen?.code === "EADDRINUSE" || listen?.code === "EACCES")
    process.stderr.write(
      `Cannot start the ${part}: port ${listen.port} on ${listen.address} is ${listen.code === "EADDRINUSE" ? "already in use" : "not allowed"} (set PORT, or stop what listens there)\n`,
    );
  else logger.error(`${part} start-up failed`, { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

/** Rejects with the listen error (EADDRINUSE for a port in use) when `port` cannot be bound now. */
export async function assertPortFree(port: number, host: string): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(port, host, resolve);
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
