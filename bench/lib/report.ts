import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describeMachine, machine } from "./machine";

export const REPORT = join(__dirname, "..", "..", "..", "..", "docs", "benchmarks.md");

const HEADER = `# Benchmarks

Measured by \`npm run bench\` (or one workload: \`npm run bench:graph\`,
\`bench:db\`, \`bench:mutations\`, \`bench:feed\`). Each section below is
rewritten by the script named in it, with the command and the machine.
`;

/** A markdown table; numbers are printed as given. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

/** "Measured by `<command>` on <machine>, <date>." */
export function provenance(command: string): string {
  // The BENCH_* settings of the run are part of the command that reproduces it.
  const settings = Object.entries(process.env)
    .filter(([k, v]) => k.startsWith("BENCH_") && k !== "BENCH_SECTION" && v)
    .map(([k, v]) => `${k}=${v} `)
    .sort()
    .join("");
  return `Measured by \`${settings}${command}\` on ${describeMachine(machine())}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`;
}

/**
 * Replaces the generated section `name` of docs/benchmarks.md (between its
 * markers) with `body`, or appends it; everything else in the file is kept.
 */
export function writeSection(name: string, body: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const text = existsSync(REPORT) ? readFileSync(REPORT, "utf8") : HEADER;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  mkdirSync(dirname(REPORT), { recursive: true });
  writeFileSync(REPORT, next);
  process.stdout.write(`\nwrote section "${name}" of ${REPORT}\n`);
}

/** Prints a workload's report and writes it as its section of docs/benchmarks.md. */
export function publish(section: string, report: string): void {
  process.stdout.write(`\n${report}\n`);
  writeSection(section, report);
}
