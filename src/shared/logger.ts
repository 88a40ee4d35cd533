import pino from "pino";

/**
 * Structured logs: one JSON object a line on stdout, written by pino
 * (`{"level":"info","time":"…","pid":…,"hostname":"…","message":"…",…fields}`).
 * The level is set once at start-up (LOG_LEVEL); stdout carries nothing else,
 * so a collector can parse every line.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** process.stdout rather than a file descriptor of its own: a test can watch the lines, and they keep their order with anything else written there. */
const base = pino(
  {
    level: "info",
    messageKey: "message",
    // Level names, not pino's numbers: a reader greps for "error" without a table.
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  process.stdout,
);

export function setLogLevel(level: LogLevel): void {
  base.level = level;
}

export function logLevel(): LogLevel {
  return base.level as LogLevel;
}

/** True when a line at this level would be written (to skip building one that would not). */
export function logs(level: Exclude<LogLevel, "silent">): boolean {
  return base.isLevelEnabled(level);
}

type Fields = Record<string, unknown>;

export const logger = {
  debug: (message: string, fields?: Fields) => base.debug(fields ?? {}, message),
  info: (message: string, fields?: Fields) => base.info(fields ?? {}, message),
  warn: (message: string, fields?: Fields) => base.warn(fields ?? {}, message),
  error: (message: string, fields?: Fields) => base.error(fields ?? {}, message),
};
