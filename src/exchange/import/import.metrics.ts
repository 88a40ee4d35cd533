import { Counter, Histogram } from "prom-client";
import { feedRegistry } from "../../shared/feed-metrics";

// On the exchange's process-wide registry, which `/metrics` already serves.
export const importLines = new Counter({
  name: "offergate_import_lines_total",
  help: "CSV import lines processed, by outcome (succeeded: applied; failed: reported in the import's errors)",
  labelNames: ["outcome"] as const,
  registers: [feedRegistry],
});

export const importDuration = new Histogram({
  name: "offergate_import_duration_seconds",
  help: "CSV imports from upload to DONE or FAILED, by final status",
  labelNames: ["status"] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3600],
  registers: [feedRegistry],
});
