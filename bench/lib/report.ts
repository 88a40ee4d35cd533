import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describeMachine, machine } from "./machine";

const DOCS = join(__dirname, "..", "..", "..", "..", "docs");
/** The short tables, for users. */
export const REPORT = join(DOCS, "benchmarks.md");
/** How each figure was made, the full tables and the secondary ones, for engineers. */
export const NOTES = join(DOCS, "dev", "benchmarks-notes.md");

const REPORT_HEADER = `# Benchmarks

Each section is rewritten by the command named in it (\`npm run bench\` runs
most of them). How each was measured, and the full tables:
[dev/benchmarks-notes.md](dev/benchmarks-notes.md).
`;

const NOTES_HEADER = `# Benchmarks: method and full tables

The generated sections below are the long form of those in
[docs/benchmarks.md](../benchmarks.md), rewritten by the same commands.
`;

/** A workload's results: short tables for docs/benchmarks.md, the method and full tables for the notes. */
export interface Report {
  summary: string;
  notes: string;
}

/** A markdown table; numbers are printed as given. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The same table with only the named columns, in the order given. */
export function columns(headers: string[], rows: (string | number)[][], keep: string[]): string {
  const at = keep.map((name) => {
    const i = headers.indexOf(name);
    if (i < 0) throw new Error(`no column "${name}"`);
    return i;
  });
  return table(
    at.map((i) => headers[i]!),
    rows.map((row) => at.map((i) => row[i]!)),
  );
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

/** Replaces the section `name` of `file` (between its markers) with `body`, or appends it; the rest is kept. */
function replaceSection(file: string, header: string, name: string, body: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const text = existsSync(file) ? readFileSync(file, "utf8") : header;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, next);
  process.stdout.write(`wrote section "${name}" of ${file}\n`);
}

/** Writes a workload's summary into docs/benchmarks.md and its notes into docs/dev/benchmarks-notes.md, under the same markers. */
export function writeSection(name: string, report: Report): void {
  replaceSection(REPORT, REPORT_HEADER, name, report.summary);
  replaceSection(NOTES, NOTES_HEADER, name, report.notes);
}

/** Prints a workload's report and writes it into both files. */
export function publish(section: string, report: Report): void {
  process.stdout.write(`\n${report.summary}\n\n${report.notes}\n\n`);
  writeSection(section, report);
}
