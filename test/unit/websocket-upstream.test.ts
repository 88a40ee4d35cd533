import type { AddressInfo } from "node:net";
import type { ExecutionRequest } from "@graphql-tools/utils";
import { parse } from "graphql";
import { WebSocketServer, type WebSocket } from "ws";
import { webSocketUpstream } from "../../src/gateway/subscriptions/websocket-upstream";
import { recordingSink } from "../helpers/upstream";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A subgraph's WebSocket end speaking graphql-transport-ws, scripted by the
 * test: `onSubscribe` decides what to send back; `subscribes` counts the
 * subscribe messages it got.
 */
async function subgraphSocket(onSubscribe: (socket: WebSocket, id: string) => void) {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: () => "graphql-transport-ws" });
  await new Promise((resolve) => server.once("listening", resolve));
  const state = { subscribes: 0 };
  server.on("connection", (socket) => {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { type: string; id?: string };
      if (message.type === "connection_init") socket.send(JSON.stringify({ type: "connection_ack" }));
      if (message.type === "subscribe") {
        state.subscribes++;
        onSubscribe(socket, message.id!);
      }
    });
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return { url, state, close: () => new Promise((resolve) => server.close(resolve)) };
}


const request = { document: parse("subscription { tick }"), variables: {}, operationType: "subscription" } as ExecutionRequest;
const next = (socket: WebSocket, id: string, tick: number) => socket.send(JSON.stringify({ id, type: "next", payload: { data: { tick } } }));

describe("webSocketUpstream", () => {
  it("takes a normal closure under an open subscription as the connection lost, and never subscribes again on its own", async () => {
    const subgraph = await subgraphSocket((socket, id) => {
      next(socket, id, 1);
      setTimeout(() => socket.close(1000), 20);
    });
    const r = recordingSink();
    const handle = webSocketUpstream(subgraph.url, request)(r.sink);
    await sleep(300);
    expect(r.got.map((x) => x.data)).toEqual([{ tick: 1 }]);
    expect(r.ends).toEqual(["lost"]);
    expect(subgraph.state.subscribes).toBe(1);
    handle.dispose();
    await subgraph.close();
  });

  it("ends as the subgraph ends it: complete, or its errors with their codes", async () => {
    const completing = await subgraphSocket((socket, id) => {
      next(socket, id, 1);
      socket.send(JSON.stringify({ id, type: "complete" }));
    });
    const refusing = await subgraphSocket((socket, id) =>
      socket.send(JSON.stringify({ id, type: "error", payload: [{ message: "Not yours", extensions: { code: "FORBIDDEN" } }] })),
    );
    const [done, refused] = [recordingSink(), recordingSink()];
    webSocketUpstream(completing.url, request)(done.sink);
    webSocketUpstream(refusing.url, request)(refused.sink);
    await sleep(300);
    expect([done.got.length, done.ends]).toEqual([1, ["complete"]]);
    expect(refused.ends).toEqual(["failed: Not yours (FORBIDDEN)"]);
    await completing.close();
    await refusing.close();
  });

  it("says nothing more once disposed", async () => {
    const subgraph = await subgraphSocket((socket, id) => next(socket, id, 1));
    const r = recordingSink();
    const handle = webSocketUpstream(subgraph.url, request)(r.sink);
    await sleep(100);
    handle.dispose();
    await sleep(200);
    expect([r.got.length, r.ends]).toEqual([1, []]);
    await subgraph.close();
  });
});
