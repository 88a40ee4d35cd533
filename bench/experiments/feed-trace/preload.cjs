/**
 * Timing marks for the feed bench's serving processes (the embedded target,
 * or the exchange and gateways on separate processes), written as JSON to
 * $FEED_TRACE_DIR (default /tmp/feed-trace) when the process exits:
 * a mutation's arrival (POST), `StockService.set`, every MongoDB command,
 * `FeedService.flush`, the hub's hand-over (`FeedHub.appended`), each burst
 * of shared results (`SharedResults.flush`), every `ws` send and every
 * garbage collection. Each file starts with an anchor relating its clock to
 * CLOCK_MONOTONIC, so that files of several processes can be merged.
 *
 *   npm run bench:build
 *   NODE_OPTIONS="-r ./bench/experiments/feed-trace/preload.cjs" BENCH_FEED_SIZES=1000 node dist/bench/bench/feed.js
 *   node bench/experiments/feed-trace/summarize.cjs
 *
 * The bench rewrites its section of docs/benchmarks.md: `git checkout docs/benchmarks.md` after.
 */
const ROLE = /targets\/offergate|exchange\/server|gateway\/server/;
const entry = process.argv.find((a) => ROLE.test(a));
if (entry) {
  const Module = require("node:module");
  const fs = require("node:fs");
  const path = require("node:path");
  const { performance, PerformanceObserver } = require("node:perf_hooks");

  const marks = [[performance.now(), "anchor", String(process.hrtime.bigint() / 1000n)]];
  const mark = (kind, detail = "") => marks.push([performance.now(), kind, detail]);

  /** Marks `label>` when the method is called and `label<` when it returns or settles. */
  const wrap = (proto, name, label) => {
    const original = proto?.[name];
    if (!original) return;
    proto[name] = function (...args) {
      mark(`${label}>`);
      const result = original.apply(this, args);
      if (result && typeof result.then === "function") result.then(() => mark(`${label}<`), () => mark(`${label}<`));
      else mark(`${label}<`);
      return result;
    };
  };

  const seen = new Set();
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const exported = load.apply(this, arguments);
    let file;
    try {
      file = Module._resolveFilename(request, parent, isMain);
    } catch {
      return exported;
    }
    if (seen.has(file)) return exported;
    seen.add(file);
    if (file.endsWith("exchange/feed/feed.hub.js")) wrap(exported.FeedHub?.prototype, "appended", "hub.appended");
    if (file.endsWith("exchange/stock/stock.service.js")) wrap(exported.StockService?.prototype, "set", "stock.set");
    if (file.endsWith("exchange/feed/feed.service.js")) wrap(exported.FeedService?.prototype, "flush", "feed.flush");
    if (file.endsWith("gateway/shared-subscriptions.js")) wrap(exported.SharedResults?.prototype, "flush", "burst");
    if (file.endsWith(path.join("mongodb", "lib", "cmap", "connection.js"))) {
      const proto = exported.Connection.prototype;
      const command = proto.command;
      proto.command = async function (ns, cmd, ...rest) {
        const name = Object.keys(cmd)[0];
        mark("db>", `${name}:${cmd[name]}`);
        try {
          return await command.call(this, ns, cmd, ...rest);
        } finally {
          mark("db<", name);
        }
      };
    }
    if (file.endsWith(path.join("node_modules", "ws", "lib", "websocket.js"))) {
      const send = exported.prototype.send;
      exported.prototype.send = function (...args) {
        mark("ws.send");
        return send.apply(this, args);
      };
    }
    return exported;
  };

  const http = require("node:http");
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, request, ...rest) {
    if (event === "request" && request.method === "POST") mark("POST");
    return emit.call(this, event, request, ...rest);
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) marks.push([e.startTime, "gc", `${e.detail?.kind}:${e.duration.toFixed(1)}`]);
  }).observe({ entryTypes: ["gc"] });

  const dir = process.env.FEED_TRACE_DIR ?? "/tmp/feed-trace";
  const role = entry.includes("exchange/server") ? "exchange" : entry.includes("gateway/server") ? "gateway" : "embedded";
  const write = () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${role}-${process.pid}.json`), JSON.stringify(marks));
  };
  process.on("exit", write);
}
