/**
 * Summarises the marks written by preload.cjs (every file in
 * $FEED_TRACE_DIR, default /tmp/feed-trace, merged on one clock). For each
 * `setStock` round of the feed bench: from the mutation's arrival at the
 * gateway, the events in the log, the first and the last socket write to a
 * subscriber, and the longest burst; then the medians. Rounds whose count of
 * writes differs from the usual one by more than a tenth (the first, which
 * also carries the subscriptions' set-up) are left out.
 * `node summarize.cjs <round>` also prints that round's timeline.
 */
const fs = require("node:fs");
const path = require("node:path");

const dir = process.env.FEED_TRACE_DIR ?? "/tmp/feed-trace";
const marks = [];
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json"))) {
  const own = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
  const [anchorAt, , monotonicUs] = own[0];
  const offset = Number(monotonicUs) / 1000 - anchorAt;
  const role = file.split("-")[0];
  for (const [at, kind, detail] of own.slice(1)) marks.push({ at: at + offset, role, kind, detail });
}
marks.sort((a, b) => a.at - b.at);

const toSubscribers = (m) => m.kind === "ws.send" && m.role !== "exchange";
const starts = marks.flatMap((m, i) => (m.kind === "stock.set>" ? [i] : []));
const rounds = starts.map((i, r) => {
  let p = i;
  while (p > 0 && !(marks[p].kind === "POST" && marks[p].role !== "exchange")) p--;
  const t0 = marks[p].at;
  const seg = marks.slice(p, starts[r + 1] ?? marks.length);
  const sends = seg.filter(toSubscribers);
  const appended = seg.find((m) => m.kind === "hub.appended>");
  let longest = 0;
  let open = null;
  for (const m of seg) {
    if (m.kind === "burst>") open = m.at;
    else if (m.kind === "burst<" && open !== null) (longest = Math.max(longest, m.at - open)), (open = null);
  }
  return {
    t0,
    seg,
    row: {
      appended: appended ? +(appended.at - t0).toFixed(1) : null,
      firstWrite: sends.length ? +(sends[0].at - t0).toFixed(1) : null,
      lastWrite: sends.length ? +(sends[sends.length - 1].at - t0).toFixed(1) : null,
      writes: sends.length,
      longestBurst: +longest.toFixed(1),
      gc: seg.filter((m) => m.kind === "gc" && sends.length && m.at <= sends[sends.length - 1].at).map((m) => m.detail).join(" "),
    },
  };
});
const usual = rounds.map((r) => r.row.writes).sort((a, b) => a - b)[Math.floor(rounds.length / 2)];
const counted = rounds.filter((r) => Math.abs(r.row.writes - usual) <= usual / 10);
console.table(counted.map((r) => r.row));
const median = (key) => {
  const v = counted.map((r) => r.row[key]).filter((x) => x !== null).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
console.log(`medians over ${counted.length} rounds (ms from the mutation's arrival):`, {
  appended: median("appended"),
  firstWrite: median("firstWrite"),
  lastWrite: median("lastWrite"),
  longestBurst: median("longestBurst"),
});

const which = process.argv[2];
if (which !== undefined) {
  const { t0, seg } = counted[Number(which)];
  const sent = {};
  for (const m of seg) {
    if (m.kind === "db<" || m.kind === "burst>" || m.kind === "burst<") continue;
    if (m.kind === "ws.send") {
      sent[m.role] = (sent[m.role] ?? 0) + 1;
      if (sent[m.role] !== 1 && sent[m.role] % 100 !== 0) continue;
    }
    console.log((m.at - t0).toFixed(2).padStart(9), m.role.padEnd(9), m.kind, m.kind === "ws.send" ? sent[m.role] : m.detail);
  }
}
