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
