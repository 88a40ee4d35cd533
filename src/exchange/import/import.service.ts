import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import { requireAdminOr, requirePrincipal } from "../../shared/auth";
import { BadUserInputError, ForbiddenError, NotAffiliatedError, NotFoundError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { parsePage, toConnection, type Connection } from "../../shared/pagination";
import type { Principal } from "../../shared/principal";
import type { AffiliationRepository } from "../affiliation/affiliation.repository";
import type { EntityDirectory } from "../directory/entity-directory";
import type { ImportError, OfferImportRecord, StoredLine } from "./import.model";
import type { ImportRepository } from "./import.repository";

export interface ImportLimits {
  maxBytes: number;
  maxLines: number;
  /** Lines per stored chunk, and per batch applied. */
  chunkLines: number;
}

/** The header's columns: one of gtin / productId, price, currency, and optionally quantity. */
const KNOWN = new Set(["gtin", "productid", "price", "currency", "quantity"]);

/** The header's names (case-insensitive, trimmed), checked: BAD_USER_INPUT naming what is wrong. */
export function checkHeader(fields: readonly string[]): string[] {
  const columns = fields.map((f) => f.trim().toLowerCase());
  const unknown = fields.filter((_, i) => !KNOWN.has(columns[i]!));
  if (unknown.length > 0) {
    throw new BadUserInputError(`Unknown column(s) ${unknown.map((u) => JSON.stringify(u)).join(", ")}: the columns are gtin or productId, price, currency, and optionally quantity`);
  }
  const repeated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (repeated.length > 0) throw new BadUserInputError(`Column "${repeated[0]}" appears twice in the header`);
  const has = (c: string) => columns.includes(c);
  if (has("gtin") === has("productid")) throw new BadUserInputError("The header must name exactly one of the columns gtin and productId");
  for (const c of ["price", "currency"]) if (!has(c)) throw new BadUserInputError(`The header lacks the column "${c}"`);
  return columns;
}

export class UploadRefused extends Error {
  constructor(readonly error: BadUserInputError) {
    super(error.message);
  }
}

const lineKey = (line: number) => String(line).padStart(9, "0");

/** CSV imports of offers: starting one from an uploaded file, and reading its progress and errors. */
export class ImportService {
  constructor(
    private readonly imports: ImportRepository,
    private readonly affiliations: AffiliationRepository,
    private readonly directory: EntityDirectory,
    private readonly limits: ImportLimits,
    private readonly started: () => void,
    /** How often a progress stream looks at its import: it sends at most one update each time. */
    private readonly progressMs = 250,
  ) {}

  /**
   * Who imports for whom, checked before the body is read: the caller (a
   * seller for itself, or the admin naming the seller), the ids, and the
   * affiliation, with the codes of `submitOffer`.
   */
  async target(principal: Principal | null, params: { marketplaceId?: string | null; sellerId?: string | null }) {
    const p = requirePrincipal(principal);
    const sellerId = p.kind === "ADMIN" ? params.sellerId : p.kind === "SELLER" ? (params.sellerId ?? p.id) : null;
    if (p.kind !== "ADMIN" && p.kind !== "SELLER") throw new ForbiddenError("Only a seller or an admin may import offers");
    requireAdminOr(p, { kind: "SELLER", id: sellerId });
    if (!sellerId) throw new BadUserInputError('The admin must name the seller: "sellerId" in the query string');
    const marketplaceId = params.marketplaceId;
    if (!marketplaceId) throw new BadUserInputError('"marketplaceId" is missing from the query string');
    await Promise.all([this.directory.require("Seller", sellerId), this.directory.require("Marketplace", marketplaceId)]);
    if (!(await this.affiliations.existing([{ sellerId, marketplaceId }])).size) {
      throw new NotAffiliatedError(`Seller ${sellerId} is not affiliated with marketplace ${marketplaceId}`, { sellerId, marketplaceId });
    }
    return { principal: p, sellerId, marketplaceId };
  }

  /**
   * Stores the file as it streams in, a chunk of lines at a time (memory
   * stays flat), then queues the import. A bad header or a body over the
   * limits throws UploadRefused and leaves nothing behind.
   */
  async upload(target: Awaited<ReturnType<ImportService["target"]>>, body: Readable): Promise<string> {
    const id = newId("offerImport");
    const now = new Date();
    const record: OfferImportRecord = {
      _id: id,
      sellerId: target.sellerId,
      marketplaceId: target.marketplaceId,
      principal: target.principal,
      columns: [],
      status: "UPLOADING",
      total: 0,
      chunks: 0,
      nextChunk: 0,
      processed: 0,
      succeeded: 0,
      failed: 0,
      failureReason: null,
      attempts: 0,
      leaseOwner: null,
      leaseUntil: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
    };
    try {
      await this.imports.create(record);
      const { columns, total, chunks } = await this.store(id, body);
      await this.imports.queue(id, columns, total, chunks);
    } catch (error) {
      body.resume(); // what is left of the body is drained, not read
      await this.imports.discard(id).catch(() => undefined);
      throw error;
    }
    this.started();
    return id;
  }

  private async store(id: string, body: Readable) {
    const { maxBytes, maxLines, chunkLines } = this.limits;
    let bytes = 0;
    const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true, skip_records_with_error: true });
    let batch: StoredLine[] = [];
    let total = 0;
    // The parser reports an unreadable line when it meets it, ahead of the records still
    // waiting to be read here: each goes into the batch in its place, by line number.
    const skipped: StoredLine[] = [];
    parser.on("skip", (error: Error & { lines?: number }) => {
      skipped.push({ line: error.lines ?? 0, unreadable: `Unreadable CSV line: ${error.message}` });
      total++;
    });
    const takeSkipped = (before: number) => {
      while (skipped.length > 0 && skipped[0]!.line < before) batch.push(skipped.shift()!);
    };
    body.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes && !parser.destroyed) {
        body.unpipe(parser);
        parser.destroy(new UploadRefused(new BadUserInputError(`The file is larger than ${maxBytes} bytes`)));
      }
    });
    body.on("error", (error) => parser.destroy(error));
    body.pipe(parser);
    let columns: string[] | null = null;
    let chunks = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const lines = batch;
      batch = [];
      await this.imports.addChunk(id, chunks++, lines);
    };
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (columns === null) {
          if (skipped.length > 0 && skipped[0]!.line <= info.lines) throw new BadUserInputError("The header line cannot be read");
          columns = checkHeader(record);
          continue;
        }
        takeSkipped(info.lines);
        batch.push({ line: info.lines, fields: record });
        total++;
        if (total > maxLines) throw new BadUserInputError(`The file has more than ${maxLines} data lines`);
        if (batch.length >= chunkLines) await flush();
      }
    } catch (error) {
      const refused = error instanceof UploadRefused ? error : (error as Error).cause instanceof UploadRefused ? (error as Error).cause : null;
      if (refused) throw refused;
      if (error instanceof BadUserInputError) throw new UploadRefused(error);
      throw error;
    }
    if (columns === null) throw new UploadRefused(new BadUserInputError("The file has no readable header line"));
    takeSkipped(Number.MAX_SAFE_INTEGER);
    if (total > maxLines) throw new UploadRefused(new BadUserInputError(`The file has more than ${maxLines} data lines`));
    await flush();
    return { columns, total, chunks };
  }

  /** The import, for the seller who started it or an admin; null when there is none. */
  async get(principal: Principal | null, id: string): Promise<OfferImportRecord | null> {
    requirePrincipal(principal);
    const found = await this.imports.get(id);
    if (!found || found.status === "UPLOADING") return null;
    requireAdminOr(principal, { kind: "SELLER", id: found.sellerId });
    return found;
  }

  /** `get`, with NOT_FOUND for none. */
  async require(principal: Principal | null, id: string): Promise<OfferImportRecord> {
    const found = await this.get(principal, id);
    if (!found) throw new NotFoundError("offer import", id);
    return found;
  }

  async errors(imp: OfferImportRecord, args: { first?: number | null; after?: string | null }): Promise<Connection<ImportError>> {
    const page = parsePage(args, 100, 100);
    const afterLine = page.afterKey ? Number(page.afterKey) : 0;
    if (!Number.isInteger(afterLine)) throw new BadUserInputError(`Invalid cursor "${args.after}"`);
    const rows = await this.imports.errorsAfter(imp._id, afterLine, page.first + 1);
    return toConnection(rows, page, (e) => lineKey(e.line), imp.failed);
  }

  /** Every error of the import, in line order, a page at a time. */
  async *allErrors(imp: OfferImportRecord): AsyncGenerator<ImportError> {
    let after = 0;
    for (;;) {
      const page = await this.imports.errorsAfter(imp._id, after, 1000);
      yield* page;
      if (page.length < 1000) return;
      after = page.at(-1)!.line;
    }
  }

  /** `offerImportProgress`: the import now, then each time it has moved; ends after DONE or FAILED. */
  async *progress(imp: OfferImportRecord): AsyncGenerator<OfferImportRecord> {
    let last = imp;
    yield last;
    while (last.status !== "DONE" && last.status !== "FAILED") {
      await new Promise((resolve) => setTimeout(resolve, this.progressMs));
      const now = await this.imports.get(imp._id);
      if (!now) return;
      if (now.status !== last.status || now.processed !== last.processed) yield now;
      last = now;
    }
  }
}
