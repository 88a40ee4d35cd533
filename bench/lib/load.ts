import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadResult, LoadSpec } from "../loadgen";
import { cpuMs, script, startNode } from "./proc";

export interface MeasuredLoad extends LoadResult {
  /** CPU milliseconds per request, by process name (over the measured run only). */
  cpuPerRequest: Record<string, number>;
}

let specs = 0;

/**
 * Runs the load generator in its own process against `spec.url`, and counts
 * the CPU time that each of `processes` (name → pid) spends during the
 * measured run (warm-up excluded).
 */
export async function measureLoad(spec: LoadSpec, processes: Record<string, number>): Promise<MeasuredLoad> {
  const file = join(tmpdir(), `offergate-bench-${process.pid}-${++specs}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const gen = startNode("loadgen", script("bench/loadgen.js"), {}, [file]);
  try {
    await gen.waitFor(/^MEASURE$/m, (spec.warmupSeconds + 60) * 1000);
    const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuMs(pid)]));
    const match = await gen.waitFor(/^RESULT (.*)$/m, (spec.seconds + 60) * 1000);
    const after = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuMs(pid)]));
    const result = JSON.parse(match[1]!) as LoadResult;
    const cpuPerRequest: Record<string, number> = {};
    for (const name of Object.keys(processes)) cpuPerRequest[name] = (after[name]! - before[name]!) / Math.max(1, result.requests);
    return { ...result, cpuPerRequest };
  } finally {
    await gen.stop();
  }
}
