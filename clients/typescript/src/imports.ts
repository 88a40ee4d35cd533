import { Readable } from "node:stream";
import type { GraphQLFormattedError } from "graphql";
import { print } from "graphql";
import { createClient } from "graphql-sse";
import {
  OfferImportDocument,
  OfferImportErrorsDocument,
  OfferImportProgressDocument,
  type ImportStateFragment,
  type OfferImportErrorsQuery,
  type OfferImportProgressSubscription,
} from "./generated/graphql";
import { authorization, OffergateClient, OffergateError, type ConnectionOptions } from "./http";

export type OfferImportState = ImportStateFragment;
export interface OfferImportLineError {
  line: number;
  code: string;
  message: string;
}

export interface ImportOffersOptions extends ConnectionOptions {
  apiKey: string;
  marketplaceId: string;
  /** Only for an admin key: whose offers these are. */
  sellerId?: string;
  /** The CSV (header row: gtin or productId, price, currency, optionally quantity): text, bytes, or a stream (e.g. fs.createReadStream). */
  csv: string | Uint8Array | Readable;
  /** Each state of the import as it moves (a few a second at most), the last one DONE or FAILED. */
  onProgress?(state: OfferImportState): void;
  /** "subscription" (offerImportProgress over SSE, default) or "polling" (offerImport every `pollIntervalMs`, default 1,000). */
  follow?: "subscription" | "polling";
  pollIntervalMs?: number;
}

export interface ImportOffersResult {
  import: OfferImportState;
  /** Every line that failed, with its line number (the header is line 1) and code. */
  errors: OfferImportLineError[];
}

const FINISHED = new Set(["DONE", "FAILED"]);

/** Uploads the file; the import's id. Refusals (400, 401, 403, 404, 409) throw an OffergateError with the code. */
export async function startOfferImport(options: Omit<ImportOffersOptions, "onProgress" | "follow" | "pollIntervalMs">): Promise<string> {
  const target = new URL("/imports/offers", options.url);
  target.searchParams.set("marketplaceId", options.marketplaceId);
  if (options.sellerId) target.searchParams.set("sellerId", options.sellerId);
  const body = options.csv instanceof Readable ? (Readable.toWeb(options.csv) as ReadableStream<Uint8Array>) : options.csv;
  const response = await fetch(target, {
    method: "POST",
    headers: { "content-type": "text/csv; charset=utf-8", ...authorization(options.apiKey) },
    body,
    // A stream is sent as it is read (Node's fetch needs this for a stream body).
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const text = await response.text();
  let answer: { id?: string; errors?: GraphQLFormattedError[] } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // not JSON: reported below with the status
  }
  if (response.status !== 202 || !answer.id) {
    throw new OffergateError(answer.errors ?? [{ message: `HTTP ${response.status}` }], response.status);
  }
  return answer.id;
}

/**
 * Imports a CSV file of offers: uploads it, follows the import until it is
 * DONE or FAILED (reporting each state to `onProgress`), and returns the
 * final state with every failed line.
 */
export async function importOffersCsv(options: ImportOffersOptions): Promise<ImportOffersResult> {
  const id = await startOfferImport(options);
  const client = new OffergateClient({ url: options.url, apiKey: options.apiKey });
  let last: OfferImportState | undefined;
  const report = (state: OfferImportState) => {
    last = state;
    options.onProgress?.(state);
  };

  if ((options.follow ?? "subscription") === "subscription") {
    const sse = createClient({ url: options.url, headers: authorization(options.apiKey), retryAttempts: 0 });
    try {
      for await (const result of sse.iterate<OfferImportProgressSubscription>({ query: print(OfferImportProgressDocument), variables: { id } })) {
        if (result.errors?.length) throw new OffergateError(result.errors);
        if (result.data) report(result.data.offerImportProgress);
        if (last && FINISHED.has(last.status)) break;
      }
    } catch (error) {
      // A dropped stream is not a failed import: polling takes over below.
      if (error instanceof OffergateError) throw error;
    } finally {
      sse.dispose();
    }
  }
  while (!last || !FINISHED.has(last.status)) {
    if (last) await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 1_000));
    const state = (await client.request(OfferImportDocument, { id })).offerImport;
    if (!state) throw new OffergateError([{ message: `import ${id} not found`, extensions: { code: "NOT_FOUND" } }]);
    if (state.processed !== last?.processed || state.status !== last?.status) report(state);
    else last = state;
  }

  const errors: OfferImportLineError[] = [];
  for (let after: string | null = null; ; ) {
    const answer: OfferImportErrorsQuery = await client.request(OfferImportErrorsDocument, { id, first: 100, after });
    const page = answer.offerImport?.errors;
    if (!page) break;
    errors.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
    after = page.pageInfo.endCursor;
  }
  return { import: last, errors };
}
