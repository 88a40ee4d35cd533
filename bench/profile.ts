/**
 * `node dist/bench/bench/profile.js <file.cpuprofile> [top]`: where a CPU
 * profile (from `node --cpu-prof`) spent its time, by package and by
 * function, self time, so that a bench's profile can be read without a
 * browser.
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export function summarize(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const pkg = (url: string) => {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (m) return m[1]!;
    if (url.includes("/src/")) return "offergate src";
    if (url.includes("/bench/")) return "bench";
    if (url.startsWith("node:")) return "node internals";
    return url === "" ? "(native / gc / idle)" : url;
  };
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const p = functionName === "(idle)" ? "(idle)" : functionName === "(garbage collector)" ? "(gc)" : pkg(url);
    packages.set(p, (packages.get(p) ?? 0) + us);
    const f = `${functionName || "(anonymous)"} ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/dist\//, "dist/")}:${lineNumber + 1}`;
    functions.set(f, (functions.get(f) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`${file}: ${(total / 1000).toFixed(0)} ms sampled`, "", "by package (self time):"];
  for (const [p, us] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${p}`);
  lines.push("", "by function (self time):");
  for (const [f, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${f}`);
  return lines.join("\n");
}

if (require.main === module) process.stdout.write(`${summarize(process.argv[2]!, Number(process.argv[3] ?? 25))}\n`);
