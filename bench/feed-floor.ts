/**
 * A floor for bench/feed.ts: a bare `ws` server (forked with IPC) that sends
 * bytes to every connected socket when told to, and reports its port
 * ({ kind: "listening" }). Two kinds of receivers:
 * - raw sockets: { kind: "broadcast", data } sends `data` to each as it is;
 * - graphql-ws clients: the server answers `connection_init` with
 *   `connection_ack` and remembers each `subscribe`'s id, and
 *   { kind: "broadcast", payload } sends each subscription the `next`
 *   message the gateway would send it, `{"id":…,"type":"next","payload":…}`,
 *   so that its client does the same work per message as a subscriber of
 *   the gateway. No GraphQL runs here: the payload is given.
 */
import { WebSocketServer, type WebSocket } from "ws";

/** Every socket, with the ids of the subscriptions it asked for (none: a raw socket). */
const sockets = new Map<WebSocket, string[]>();
const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
wss.on("connection", (ws) => {
  const ids: string[] = [];
  sockets.set(ws, ids);
  ws.on("close", () => sockets.delete(ws));
  ws.on("message", (data) => {
    const m = JSON.parse(String(data)) as { type?: string; id?: string };
    if (m.type === "connection_init") ws.send(JSON.stringify({ type: "connection_ack" }));
    else if (m.type === "subscribe" && m.id !== undefined) ids.push(m.id);
    else if (m.type === "complete") ids.splice(ids.indexOf(m.id!), 1);
  });
});
wss.on("listening", () => process.send!({ kind: "listening", port: (wss.address() as { port: number }).port }));
process.on("message", (m: { kind: string; data?: string; payload?: string }) => {
  if (m.kind !== "broadcast") return;
  let sent = 0;
  for (const [ws, ids] of sockets) {
    if (m.payload === undefined) {
      if (ids.length === 0) ws.send(m.data!), sent++;
    } else {
      for (const id of ids) ws.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${m.payload}}`), sent++;
    }
  }
  process.send!({ kind: "sent", messages: sent });
});

// The bench that forked this process is gone (stopped, or crashed): its sockets would keep this one alive.
process.on("disconnect", () => process.exit(0));
