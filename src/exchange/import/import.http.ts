import type { IncomingMessage, ServerResponse } from "node:http";
import { stringify } from "csv-stringify";
import { BadUserInputError, DomainError, type ErrorCode } from "../../shared/errors";
import { logger } from "../../shared/logger";
import { PRINCIPAL_HEADER, verifyPrincipal, type Principal } from "../../shared/principal";
import type { OfferImportRecord } from "./import.model";
import { UploadRefused, type ImportService } from "./import.service";

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NOT_AFFILIATED: 409,
  SERVICE_UNAVAILABLE: 503,
};

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
};

/** The GraphQL-style error body, with the contract's code. */
const sendError = (res: ServerResponse, status: number, code: ErrorCode, message: string) =>
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });

/** The import as `GET /imports/offers/<id>` shows it: the fields of `offerImport`, without its errors. */
const view = (imp: OfferImportRecord) => ({
  id: imp._id,
  sellerId: imp.sellerId,
  marketplaceId: imp.marketplaceId,
  status: imp.status,
  total: imp.total,
  processed: imp.processed,
  succeeded: imp.succeeded,
  failed: imp.failed,
  failureReason: imp.failureReason,
  createdAt: imp.createdAt,
  finishedAt: imp.finishedAt,
});

const ERRORS_CSV = /^\/imports\/offers\/([^/]+)\/errors\.csv$/;
const ONE = /^\/imports\/offers\/([^/]+)$/;

/**
 * The exchange's HTTP side of imports, reached through the gateway's public
 * port (which authenticates the key and signs the principal, as for GraphQL):
 * `POST /imports/offers`, `GET /imports/offers/<id>` and
 * `GET /imports/offers/<id>/errors.csv`. Returns false for other paths.
 */
export function importRoutes(service: ImportService, internalSecret: string, maxBytes: number) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (!url.pathname.startsWith("/imports/")) return false;
    try {
      const verdict = await verifyPrincipal(req.headers[PRINCIPAL_HEADER] as string | undefined, internalSecret);
      if (!verdict.ok) {
        sendError(res, 401, "UNAUTHENTICATED", "The request's principal could not be verified");
        return true;
      }
      await route(req, res, url, verdict.principal);
    } catch (error) {
      if (error instanceof UploadRefused) {
        // What is left of the body is not read: the answer goes out and the connection closes.
        res.setHeader("connection", "close");
        res.once("finish", () => req.destroy());
        sendError(res, 400, "BAD_USER_INPUT", error.message);
      } else if (error instanceof DomainError && STATUS_OF[error.code]) {
        sendError(res, STATUS_OF[error.code]!, error.code, error.message);
      } else {
        logger.error("import request failed", { error: String(error) });
        if (!res.headersSent) sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
        else res.end();
      }
    }
    return true;
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, principal: Principal | null): Promise<void> {
    if (url.pathname === "/imports/offers") {
      if (req.method !== "POST") return sendError(res, 405, "BAD_USER_INPUT", "POST a CSV file to /imports/offers");
      const target = await service.target(principal, {
        marketplaceId: url.searchParams.get("marketplaceId"),
        sellerId: url.searchParams.get("sellerId"),
      });
      if (Number(req.headers["content-length"] ?? 0) > maxBytes) {
        throw new UploadRefused(new BadUserInputError(`The file is larger than ${maxBytes} bytes`));
      }
      const id = await service.upload(target, req);
      return sendJson(res, 202, { id }, { location: `/imports/offers/${id}` });
    }
    const csv = ERRORS_CSV.exec(url.pathname);
    const one = ONE.exec(url.pathname);
    if (!csv && !one) return sendError(res, 404, "NOT_FOUND", "Not found");
    if (req.method !== "GET") return sendError(res, 405, "BAD_USER_INPUT", "Only GET is allowed here");
    const imp = await service.require(principal, decodeURIComponent((csv ?? one)![1]!));
    if (one) return sendJson(res, 200, view(imp));
    res.writeHead(200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${imp._id}-errors.csv"`,
    });
    const out = stringify({ header: true, columns: ["line", "code", "message"] });
    out.pipe(res);
    for await (const e of service.allErrors(imp)) {
      if (!out.write([e.line, e.code, e.message])) await new Promise((resolve) => out.once("drain", resolve));
    }
    out.end();
    await new Promise((resolve) => res.once("finish", resolve));
  }
}
