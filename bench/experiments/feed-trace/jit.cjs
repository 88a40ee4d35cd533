/**
 * What V8's optimizing compiler did in each round of the feed bench, from
 * the serving process's own `--trace-opt --trace-deopt` output beside the
 * marks of preload.cjs (both on CLOCK_MONOTONIC):
 *
 *   rm -rf /tmp/feed-trace /tmp/child-*.log
 *   NODE_OPTIONS="-r ./bench/experiments/feed-trace/preload.cjs" BENCH_CHILD_LOG=/tmp/child \
 *     BENCH_NODE_ARGS="--trace-opt --trace-deopt" BENCH_FEED_SIZES=1000 node dist/bench/bench/feed.js
 *   node bench/experiments/feed-trace/jit.cjs [/tmp/child-offergate.log]
 *
 * For each round (from one `setStock` to the next): the functions whose
 * optimized compilation completed in it, the compiler's time on them (on
 * V8's worker threads, beside the main thread), and the deoptimizations.
 * The bench rewrites its section of docs/benchmarks.md: `git checkout docs/benchmarks.md` after.
 */
const fs = require("node:fs");
const path = require("node:path");

const dir = process.env.FEED_TRACE_DIR ?? "/tmp/feed-trace";
const file = fs.readdirSync(dir).find((f) => f.startsWith("embedded"));
if (!file) throw new Error(`no embedded-*.json in ${dir}`);
const marks = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
const offset = Number(marks[0][2]) / 1000 - marks[0][0];
const starts = marks.filter((m) => m[1] === "stock.set>").map((m) => m[0] + offset);

const compiled = [];
const deopts = [];
let at = 0;
for (const line of fs.readFileSync(process.argv[2] ?? "/tmp/child-offergate.log", "utf8").split("\n")) {
  if (line.startsWith("@")) {
    at = Number(line.slice(1));
    continue;
  }
  const c = /completed compiling .*<JSFunction ([^ >]*).*took ([\d.]+), ([\d.]+), ([\d.]+) ms/.exec(line);
  if (c) compiled.push({ at, fn: c[1], ms: Number(c[2]) + Number(c[3]) + Number(c[4]) });
  const d = /bailout \(kind: ([^,)]*).*<JSFunction ([^ >]*).*reason: ([^)]*)/.exec(line);
  if (d) deopts.push({ at, fn: d[2], kind: d[1], reason: d[3] });
}

const rows = starts.map((from, round) => {
  const to = starts[round + 1] ?? Infinity;
  const inRound = (e) => e.at >= from && e.at < to;
  const c = compiled.filter(inRound);
  const d = deopts.filter(inRound);
  return {
    round,
    compiled: c.length,
    compileMs: Number(c.reduce((s, e) => s + e.ms, 0).toFixed(1)),
    deopts: d.length,
    firstDeopts: d.slice(0, 3).map((e) => `${e.fn}: ${e.reason}`).join("; "),
  };
});
console.table(rows);
console.log("round 0 also holds the set-up; the output of a chunk is stamped when the bench reads it (within a few ms).");
