import { randomUUID } from "node:crypto";
import { ServiceUnavailableError, type ErrorCode } from "../../shared/errors";
import type { EntityDirectory } from "../directory/entity-directory";
import { logger } from "../../shared/logger";
import type { OfferBulk } from "../offer/offer.bulk";
import type { SubmitOfferInput } from "../offer/offer.service";
import type { SetStockItem, StockBulk } from "../stock/stock.bulk";
import { validateQuantity } from "../stock/stock.service";
import { lookUpGtins } from "./gtin-lookup";
import type { ImportChunkRecord, ImportError, OfferImportRecord, StoredLine } from "./import.model";
import { importDuration, importLines } from "./import.metrics";
import type { ImportRepository } from "./import.repository";

export interface ImportRunnerOptions {
  /** How long a process holds an import it runs without renewing (a process that died lets go after this). */
  leaseMs: number;
  /** How often idle processes look for imports to run (queued elsewhere, or left by a dead process). */
  pollMs: number;
  catalogUrl: () => string;
  internalSecret: string;
}

/** Failed attempts at one chunk (its dependencies down) before the import is FAILED. */
const MAX_ATTEMPTS = 5;
const MAX_INT = 2_147_483_647;
const INTEGER = /^-?\d+$/;

class LineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Parsed = { line: number; product: { gtin: string } | { productId: string }; price: number; currency: string; quantity: number | null };
type Resolved = { ready: (Parsed & { productId: string })[]; errors: ImportError[] };

/**
 * Runs queued imports in the background, a chunk at a time through the same
 * path as `submitOffers` (then `setStocks` for the quantities). An import is
 * held under a lease renewed as it moves, so that after a crash another
 * process (or this one restarted) takes it over from its next chunk. A chunk
 * is counted once (`ImportRepository.advance`); one applied again after a
 * crash changes nothing, since its lines are idempotent.
 */
export class ImportRunner {
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly imports: ImportRepository,
    private readonly offers: OfferBulk,
    private readonly stock: StockBulk,
    private readonly directory: EntityDirectory,
    private readonly options: ImportRunnerOptions,
  ) {}

  start(): void {
    // An upload cut short by a crash never got its id to a client: its stored lines go.
    void this.imports.discardStaleUploads(new Date(Date.now() - 3_600_000)).catch(() => undefined);
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Looks for work now (a new upload, say); runs imports one after another until none is left. */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        for (;;) {
          if (this.stopped) return;
          const claimed = await this.imports.claim(this.owner, this.options.leaseMs);
          if (!claimed) break;
          await this.run(claimed);
        }
      } while (this.again);
    })()
      .catch((error: unknown) => logger.warn("import runner failed", { error: String(error) }))
      .finally(() => (this.draining = null));
  }

  private async run(imp: OfferImportRecord): Promise<void> {
    const { leaseMs } = this.options;
    let held = true;
    const heartbeat = setInterval(() => {
      void this.imports.renew(imp._id, this.owner, leaseMs).then(
        (ok) => (held &&= ok),
        () => undefined,
      );
    }, Math.max(100, leaseMs / 3));
    heartbeat.unref();
    try {
      await this.imports.started(imp._id, this.owner);
      const prepare = (n: number) => {
        const prepared = n < imp.chunks ? this.prepare(imp, n) : Promise.resolve(null);
        prepared.catch(() => undefined); // awaited in its turn, or dropped with the run
        return prepared;
      };
      let upcoming = prepare(imp.nextChunk);
      for (let n = imp.nextChunk; n < imp.chunks; n++) {
        if (!held || this.stopped) return;
        const { chunk, resolved } = (await upcoming)!;
        // The next chunk's products are looked up while this one is applied.
        upcoming = prepare(n + 1);
        const errors = resolved ? await this.apply(imp, resolved) : chunk.lineErrors;
        if (!chunk.done) await this.imports.chunkDone(imp._id, n, errors);
        if (!(await this.imports.advance(imp._id, this.owner, n, chunk.count, errors.length, leaseMs))) return;
        importLines.inc({ outcome: "succeeded" }, chunk.count - errors.length);
        importLines.inc({ outcome: "failed" }, errors.length);
      }
      const done = await this.imports.finish(imp._id, this.owner, "DONE");
      if (done) importDuration.observe({ status: "DONE" }, (done.finishedAt!.getTime() - done.createdAt.getTime()) / 1000);
    } catch (error) {
      logger.warn("import chunk failed", { importId: imp._id, error: String(error) });
      const attempts = await this.imports.attemptFailed(imp._id, this.owner, Math.min(60_000, 1000 * 2 ** imp.attempts));
      if (attempts >= MAX_ATTEMPTS) {
        const failed = await this.imports.fail(imp._id, "The import stopped: a service it depends on did not answer after several attempts");
        if (failed) importDuration.observe({ status: "FAILED" }, (failed.finishedAt!.getTime() - failed.createdAt.getTime()) / 1000);
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** A stored chunk, and for one not yet applied its lines read and their products found. */
  private async prepare(imp: OfferImportRecord, n: number): Promise<{ chunk: ImportChunkRecord; resolved: Resolved | null }> {
    const chunk = await this.imports.chunk(imp._id, n);
    if (!chunk) throw new Error(`chunk ${n} of import ${imp._id} is missing`);
    return { chunk, resolved: chunk.done ? null : await this.resolve(imp, chunk.lines) };
  }

  /** A chunk's lines checked and their products found: the lines ready to apply, and those already failed. */
  private async resolve(imp: OfferImportRecord, lines: readonly StoredLine[]): Promise<Resolved> {
    const errors: ImportError[] = [];
    const parsed: Parsed[] = [];
    for (const l of lines) {
      try {
        parsed.push(this.parse(imp.columns, l));
      } catch (error) {
        if (!(error instanceof LineError)) throw error;
        errors.push({ line: l.line, code: error.code, message: error.message });
      }
    }
    // Products named by GTIN: one look-up in the catalog for the chunk.
    const gtins = await lookUpGtins(
      this.options.catalogUrl(),
      this.options.internalSecret,
      parsed.flatMap((p) => ("gtin" in p.product ? [p.product.gtin] : [])),
    );
    const ready: (Parsed & { productId: string })[] = [];
    for (const p of parsed) {
      if ("productId" in p.product) {
        ready.push({ ...p, productId: p.product.productId });
        continue;
      }
      const answer = gtins.get(p.product.gtin)!;
      if ("productId" in answer) {
        // The catalog has just named it: checking the offer's product needs no second look-up.
        this.directory.remember("Product", answer.productId, answer.name);
        ready.push({ ...p, productId: answer.productId });
      }
      else errors.push({ line: p.line, code: answer.code, message: answer.message });
    }
    return { ready, errors };
  }

  /** Applies a chunk's resolved lines; returns the lines that failed, in line order. */
  private async apply(imp: OfferImportRecord, { ready, errors: failed }: Resolved): Promise<ImportError[]> {
    const errors = [...failed];
    if (ready.length > 0) {
      const inputs: SubmitOfferInput[] = ready.map((r) => ({
        sellerId: imp.sellerId,
        marketplaceId: imp.marketplaceId,
        productId: r.productId,
        price: r.price,
        currency: r.currency,
      }));
      const { outcomes: submitted, levelsSet } = await this.offers.submitLines(
        imp.principal,
        inputs,
        ready.map((r) => r.quantity),
      );
      const stocks: { line: number; item: SetStockItem }[] = [];
      submitted.forEach((outcome, i) => {
        const r = ready[i]!;
        if (outcome.error) {
          // Not the line's fault: the chunk is tried again later.
          if (outcome.error.code === "SERVICE_UNAVAILABLE") throw new ServiceUnavailableError();
          errors.push({ line: r.line, code: outcome.error.code, message: outcome.error.message });
        } else if (r.quantity !== null && !levelsSet.has(i)) {
          stocks.push({ line: r.line, item: { ownerId: imp.sellerId, productId: r.productId, quantity: r.quantity } });
        }
      });
      if (stocks.length > 0) {
        const set = await this.stock.setMany(imp.principal, stocks.map((s) => s.item));
        set.forEach((outcome, i) => {
          if (outcome.error?.code === "SERVICE_UNAVAILABLE") throw new ServiceUnavailableError();
          if (outcome.error) errors.push({ line: stocks[i]!.line, code: outcome.error.code, message: outcome.error.message });
        });
      }
    }
    return errors.sort((a, b) => a.line - b.line);
  }

  /** A line's values, checked for what the file itself gets wrong; the rest is checked as `submitOffer` checks it. */
  private parse(columns: readonly string[], l: StoredLine): Parsed {
    if (l.unreadable || !l.fields) throw new LineError("BAD_USER_INPUT", l.unreadable ?? "Unreadable CSV line");
    if (l.fields.length !== columns.length) {
      throw new LineError("BAD_USER_INPUT", `The line has ${l.fields.length} fields; the header names ${columns.length}`);
    }
    const cell = (name: string) => {
      const i = columns.indexOf(name);
      return i < 0 ? undefined : l.fields![i]!.trim();
    };
    const price = cell("price")!;
    if (!INTEGER.test(price) || Number(price) > MAX_INT) {
      throw new LineError("BAD_USER_INPUT", '"price" must be an integer ≥ 0 (minor units)');
    }
    const rawQuantity = cell("quantity");
    let quantity: number | null = null;
    if (rawQuantity !== undefined && rawQuantity !== "") {
      quantity = INTEGER.test(rawQuantity) ? Number(rawQuantity) : Number.NaN;
      try {
        validateQuantity(quantity);
      } catch (error) {
        throw new LineError("BAD_USER_INPUT", (error as Error).message);
      }
    }
    const gtin = cell("gtin");
    const productId = cell("productid");
    const product = gtin !== undefined ? { gtin } : { productId: productId! };
    if ((gtin ?? productId) === "") throw new LineError("BAD_USER_INPUT", `The line has no ${gtin !== undefined ? "gtin" : "productId"}`);
    return { line: l.line, product, price: Number(price), currency: cell("currency")!, quantity };
  }
}
