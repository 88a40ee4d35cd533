import { request, type IncomingMessage, type ServerResponse } from "node:http";
import { GraphQLError } from "graphql";
import { logger } from "../shared/logger";
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from "../shared/principal";
import { bearerKey, type Authenticator } from "./authenticate";

export interface ImportsForwardOptions {
  authenticate: Authenticator;
  /** The exchange subgraph's GraphQL URL; its HTTP server also answers `/imports/*`. */
  exchangeUrl: () => string;
  internalSecret: string;
}

const sendError = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
};

/**
 * `/imports/*` on the public port: the key is authenticated here as for
 * GraphQL, and the request, its body streamed, goes on to the exchange with
 * the signed principal; the answer comes back as the exchange gives it.
 */
export function importsForward(options: ImportsForwardOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let principal: Principal | null = null;
    try {
      const key = bearerKey(req.headers.authorization);
      if (key) principal = await options.authenticate(key);
    } catch (error) {
      const code = error instanceof GraphQLError ? String(error.extensions.code ?? "UNAUTHENTICATED") : "SERVICE_UNAVAILABLE";
      res.setHeader("connection", "close");
      res.once("finish", () => req.destroy());
      return sendError(res, code === "UNAUTHENTICATED" ? 401 : 503, code, (error as Error).message);
    }
    const target = new URL(req.url ?? "/", options.exchangeUrl());
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "content-length", "transfer-encoding"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    if (principal) headers[PRINCIPAL_HEADER] = await signPrincipal(principal, options.internalSecret);
    await new Promise<void>((resolve) => {
      const upstream = request(target, { method: req.method, headers }, (answer) => {
        const out: Record<string, string> = {};
        for (const name of ["content-type", "content-disposition", "location", "connection"]) {
          const value = answer.headers[name];
          if (typeof value === "string") out[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
        answer.on("end", resolve);
        answer.on("error", () => resolve());
        // The exchange answered before the whole body was sent (a refusal): the rest is not read.
        res.once("finish", () => {
          if (!req.complete) req.destroy();
        });
      });
      upstream.on("error", (error) => {
        logger.warn("import request could not reach the exchange", { error: String(error) });
        if (!res.headersSent) sendError(res, 503, "SERVICE_UNAVAILABLE", "The service is unavailable; try again later");
        else res.end();
        resolve();
      });
      req.pipe(upstream);
    });
  };
}
