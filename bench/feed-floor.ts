/**
 * The floor for bench/feed.ts: a bare `ws` server (forked with IPC) that
 * sends the same bytes to every connected socket when told to
 * ({ kind: "broadcast", data }), and reports its port ({ kind: "listening" }).
 */
import { WebSocketServer, type WebSocket } from "ws";

const sockets = new Set<WebSocket>();
const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
wss.on("connection", (ws) => {
  sockets.add(ws);
  ws.on("close", () => sockets.delete(ws));
});
wss.on("listening", () => process.send!({ kind: "listening", port: (wss.address() as { port: number }).port }));
process.on("message", (m: any) => {
  if (m.kind === "broadcast") {
    for (const ws of sockets) ws.send(m.data);
    process.send!({ kind: "sent", sockets: sockets.size });
  }
});

// The bench that forked this process is gone (stopped, or crashed): its sockets would keep this one alive.
process.on("disconnect", () => process.exit(0));
