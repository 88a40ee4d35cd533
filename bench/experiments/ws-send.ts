/**
 * 1,000 `ws` sends in one loop, in the ways the feed might make them: the
 * same string to every socket (the feed bench's floor), a string made per
 * socket (a graphql-ws `next` message with the socket's own id around a
 * shared payload, as the gateway's shared results do), the same with a write
 * callback, and a Buffer per socket. The sockets' other ends are in two
 * client processes. BENCH_BIG_HEAP=1 first fills the heap with 1.5 million
 * live objects (about 150 MB), as a serving process holding many
 * subscriptions has. Prints each way's median and 90th percentile over 30
 * rounds, interleaved.
 *
 *   npm run bench:build && node dist/bench/bench/experiments/ws-send.js
 */
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { WebSocket, WebSocketServer } from "ws";
import { quantile } from "../lib/client";

const SOCKETS = 1000;
const ROUNDS = 30;

if (process.argv[2] === "client") {
  const [url, count] = [process.argv[3]!, Number(process.argv[4])];
  let open = 0;
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(url);
    ws.on("open", () => ++open === count && process.send!("ready"));
    ws.on("message", () => undefined);
  }
  process.on("disconnect", () => process.exit(0));
} else {
  void main();
}

async function main(): Promise<void> {
  const live: unknown[] = [];
  if (process.env.BENCH_BIG_HEAP) for (let i = 0; i < 1_500_000; i++) live.push({ a: i, b: `x${i}`, c: [i] });
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  const sockets: WebSocket[] = [];
  wss.on("connection", (ws) => sockets.push(ws));
  await new Promise((resolve) => wss.once("listening", resolve));
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
  const clients = [0, 1].map(() => fork(__filename, ["client", url, String(SOCKETS / 2)]));
  await Promise.all(clients.map((c) => new Promise((resolve) => c.once("message", resolve))));
  while (sockets.length < SOCKETS) await new Promise((resolve) => setTimeout(resolve, 10));

  const payload = JSON.stringify({
    data: { offerFeed: { cursor: "c".repeat(30), type: "UPDATED", offerId: "o".repeat(24), available: true, quantity: 5, price: 10.5, occurredAt: new Date().toISOString() } },
  });
  const heads = sockets.map(() => `{"id":"${randomUUID()}","type":"next","payload":`);
  let unsent = 0;
  const ways: Record<string, () => void> = {
    "the same string": () => {
      const data = `${heads[0]}${payload}}`;
      for (const s of sockets) s.send(data);
    },
    "a string per socket": () => sockets.forEach((s, i) => s.send(`${heads[i]}${payload}}`)),
    "... with a callback": () => sockets.forEach((s, i) => (unsent++, s.send(`${heads[i]}${payload}}`, () => void unsent--))),
    "a Buffer per socket": () => sockets.forEach((s, i) => s.send(Buffer.from(`${heads[i]}${payload}}`), { binary: false })),
  };
  const times = new Map(Object.keys(ways).map((k) => [k, [] as number[]]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, send] of Object.entries(ways)) {
      const t0 = process.hrtime.bigint();
      send();
      times.get(name)!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
  }
  process.stdout.write(`${SOCKETS} sends a round, ${ROUNDS} rounds${process.env.BENCH_BIG_HEAP ? `, ${live.length} live objects` : ""}\n`);
  for (const [name, t] of times) process.stdout.write(`${name.padEnd(22)} p50 ${quantile(t, 0.5).toFixed(2)} ms  p90 ${quantile(t, 0.9).toFixed(2)} ms\n`);
  for (const c of clients) c.kill();
  process.exit(0);
}
