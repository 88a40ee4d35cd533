import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { logger } from "../shared/logger";

/** Where `npm run build` puts the bundled pages (web/build.mjs): the same from src/gateway and from dist/gateway. */
export const DEFAULT_PAGES_DIR = resolve(__dirname, "../../dist/web");

export interface PagesOptions {
  /** The GraphQL IDE at GET /graphql from a browser (IDE). */
  ide: boolean;
  /** The offer explorer at GET / (EXPLORER). */
  explorer: boolean;
  dir?: string;
}

/** Answers the pages' requests; undefined when the request is not for a page (the caller handles it). */
export type PagesHandler = (req: IncomingMessage, res: ServerResponse, path: string) => string | undefined;

interface File {
  type: string;
  body: Buffer;
  gzipped: Buffer;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
};

/** Everything from this origin only: no script, style or font from elsewhere, and the pages talk to this service alone. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // React and the editors set style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const load = (path: string): File => {
  const body = readFileSync(path);
  return { type: TYPES[extname(path)] ?? "application/octet-stream", body, gzipped: gzipSync(body, { level: 9 }) };
};

/** A browser asking for a page: GET or HEAD, HTML accepted, and no GraphQL operation in the query string. */
const wantsHtml = (req: IncomingMessage, url: URL) =>
  /\btext\/html\b/.test(req.headers.accept ?? "") && !url.searchParams.has("query");

function send(req: IncomingMessage, res: ServerResponse, file: File, headers: Record<string, string>): void {
  const gzip = /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
  const body = gzip ? file.gzipped : file.body;
  res.writeHead(200, {
    "content-type": file.type,
    "content-length": String(body.length),
    vary: "accept-encoding",
    "x-content-type-options": "nosniff",
    ...(gzip ? { "content-encoding": "gzip" } : {}),
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

const notFound = (res: ServerResponse) => {
  res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ error: "not found" }));
};

/**
 * The pages for people, built by web/build.mjs and held in memory: the IDE's
 * and the explorer's HTML (never cached, so a new build shows at once) and
 * their assets under /assets/, named by a hash of their content and cached
 * for good. A page that is turned off is 404. When the pages were not built,
 * the service runs without them and says so in the log.
 */
export function createPages(options: PagesOptions): PagesHandler {
  const dir = options.dir ?? DEFAULT_PAGES_DIR;
  const enabled = options.ide || options.explorer;
  const built = enabled && existsSync(join(dir, "ide.html")) && existsSync(join(dir, "explorer.html"));
  if (enabled && !built) logger.warn("the pages are not built (npm run build): GET / and the IDE answer 503", { dir });
  const ide = built && options.ide ? load(join(dir, "ide.html")) : undefined;
  const explorer = built && options.explorer ? load(join(dir, "explorer.html")) : undefined;
  const assets = new Map<string, File>();
  if (built) for (const name of readdirSync(join(dir, "assets"))) assets.set(name, load(join(dir, "assets", name)));
  const page = (req: IncomingMessage, res: ServerResponse, file: File | undefined, enabledHere: boolean) => {
    if (!enabledHere) return notFound(res);
    if (!file) {
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
      return res.end("The pages are not built: run `npm run build`.\n");
    }
    send(req, res, file, { "cache-control": "no-cache", "content-security-policy": CONTENT_SECURITY_POLICY, "referrer-policy": "no-referrer" });
  };

  return (req, res, path) => {
    if (req.method !== "GET" && req.method !== "HEAD") return undefined;
    if (path === "/") {
      page(req, res, explorer, options.explorer);
      return "page";
    }
    if (path === "/graphql") {
      if (!wantsHtml(req, new URL(req.url ?? "/", "http://localhost"))) return undefined;
      page(req, res, ide, options.ide);
      return "page";
    }
    if (path.startsWith("/assets/")) {
      const file = enabled ? assets.get(path.slice("/assets/".length)) : undefined;
      if (!file) notFound(res);
      else send(req, res, file, { "cache-control": "public, max-age=31536000, immutable" });
      return "asset";
    }
    return undefined;
  };
}
