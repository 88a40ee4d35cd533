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

/**
 * Write statements, by collection: an insert command counts one however many
 * documents it carries, an update or delete command one per statement in it.
 * On the embedded server each costs in proportion to the square of the
 * collection's size, whatever it writes, so this is the figure to keep bounded.
 */
export const dbWriteStatements = new Counter({
  name: "offergate_db_write_statements_total",
  help: "MongoDB write statements sent (an insert command counts one), by collection",
  labelNames: ["collection"] as const,
  registers: [dbRegistry],
});

const WRITES = new Set(["insert", "update", "delete", "findAndModify"]);

/** The command each collection operation sends (operations that send none we count are absent). */
const COMMAND_OF: Readonly<Record<string, string>> = {
  find: "find",
  findOne: "find",
  insertOne: "insert",
  insertMany: "insert",
  updateOne: "update",
  updateMany: "update",
  replaceOne: "update",
  deleteOne: "delete",
  deleteMany: "delete",
  findOneAndUpdate: "findAndModify",
  findOneAndReplace: "findAndModify",
  findOneAndDelete: "findAndModify",
  aggregate: "aggregate",
  countDocuments: "aggregate",
  estimatedDocumentCount: "count",
};

/** A bulk write's operation kinds, as the driver batches them into commands: in order, a command per run of one kind; unordered, one per kind. */
function bulkCommands(operations: unknown, options: unknown): string[] {
  if (!Array.isArray(operations)) return [];
  const kinds = operations.map((op) => COMMAND_OF[Object.keys(op as object)[0] ?? ""] ?? "");
  if ((options as { ordered?: boolean } | undefined)?.ordered === false) return [...new Set(kinds)];
  return kinds.filter((kind, i) => i === 0 || kind !== kinds[i - 1]);
}

/** A bulk write's write statements: one per update or delete, one per insert command the driver sends. */
function bulkWriteStatements(operations: unknown, options: unknown): number {
  if (!Array.isArray(operations)) return 0;
  const kinds = operations.map((op) => COMMAND_OF[Object.keys(op as object)[0] ?? ""] ?? "");
  const inserts = bulkCommands(operations, options).filter((kind) => kind === "insert").length;
  return inserts + kinds.filter((kind) => kind === "update" || kind === "delete").length;
}

/** The commands one collection operation sends (none for operations we do not count). */
export function commandsOf(method: string, params: unknown[]): string[] {
  return (method === "bulkWrite" ? bulkCommands(params[0], params[1]) : [COMMAND_OF[method] ?? ""]).filter(Boolean);
}

/**
 * Counts the commands a connection sends, from its collection operations
 * (mongoose's `operation-start`), each as the command it sends. The driver's
 * own command monitoring would count them too, but it decodes every reply a
 * second time for its events (twice the client's CPU for a find of 100
 * offers); test/integration/db-metrics.test.ts holds this count to it.
 */
export function countCommands(connection: Connection): void {
  connection.on("operation-start", (op: { collectionName: string; method: string; params: unknown[] }) => {
    const commands = commandsOf(op.method, op.params);
    // The feed log's partitions (`feed_events_p<k>`) count as the one collection they split.
    const collection = op.collectionName.replace(/_p\d+$/, "");
    for (const command of commands) dbCommands.inc({ collection, command });
    const statements =
      op.method === "bulkWrite"
        ? bulkWriteStatements(op.params[0], op.params[1])
        : WRITES.has(COMMAND_OF[op.method] ?? "")
          ? 1
          : 0;
    if (statements > 0) dbWriteStatements.inc({ collection }, statements);
  });
}
