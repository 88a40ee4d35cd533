import type { WebSocketServer } from "ws";
import { logger } from "./logger";

/**
 * Takes over the `error` event of every socket `wss` accepts from graphql-ws's
 * `useServer`, which logs it to console.error with a stack as a fault of the
 * server's own ("Please check your implementation") and closes the socket
 * with 1011. The errors `ws` raises on an accepted socket are what its
 * receiver refused in the client's frames (a message over `maxPayload`,
 * invalid UTF-8, a bad opcode or close code), and `ws` has already closed the
 * socket with the code that says so (1009, 1007, 1002). They are the client's
 * doing: logged once at warn, with ws's code and no stack.
 *
 * Call after `useServer(..., wss)`: its `connection` listener, which adds its
 * own, runs first.
 */
export function logClientSocketErrors(wss: WebSocketServer): void {
  wss.on("connection", (socket) => {
    socket.removeAllListeners("error");
    socket.on("error", (error: Error & { code?: string }) => {
      logger.warn("WebSocket client's frame refused", { code: error.code ?? null, reason: error.message });
    });
  });
}
