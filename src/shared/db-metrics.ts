import { Counter, Registry } from "prom-client";
import type { Connection } from "mongoose";

/**
 * Database round trips, by collection and command, for every connection this
 * process opens. Exposed on `/metrics`; tests and benchmarks read it to show
 * that a request costs a constant number of queries.
 */
export const dbRegistry = new Registry();

export const dbCommands = new Counter({
  name: "offergate_db_commands_total",
  help: "MongoDB commands sent, by collection and command",
  labelNames: ["collection", "command"] as const,
  registers: [dbRegistry],
});

const COUNTED = new Set(["find", "insert", "update", "delete", "findAndModify", "aggregate", "count"]);

/** Counts the commands a connection sends (it must be opened with `monitorCommands: true`). */
export function countCommands(connection: Connection): void {
  connection.getClient().on("commandStarted", (event) => {
    if (!COUNTED.has(event.commandName)) return;
    const collection = event.command[event.commandName];
    dbCommands.inc({ collection: typeof collection === "string" ? collection : "", command: event.commandName });
  });
}
