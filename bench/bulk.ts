/**
 * Bulk work: `submitOffers` of 1,000 items against 1,000 single
 * `submitOffer` calls (and `setStocks` against `setStock`), the database
 * statements per bulk call for 10, 100 and 1,000 items, and a CSV import of
 * 10,000 lines with the process's resident memory sampled throughout. Each
 * part on a database of its own (the embedded server's writes cost more as
 * collections grow), offergate in its embedded mode (one process).
 */
import { randomBytes, randomInt } from "node:crypto";
import mongoose, { Types } from "mongoose";
import { commandsBetween, commandsDuring, dbCommands, dbWriteStatements, gql, pool } from "./lib/client";
import { startDatabase, type Database } from "./lib/db";
import { rssBytes, runScript } from "./lib/proc";
import { columns, fixed, provenance, publish, table, type Report } from "./lib/report";
import { SECRETS, startTarget, targetEnv, type Target } from "./lib/targets";

const admin = SECRETS.ADMIN_API_KEY;
const CONCURRENCY = 8;

function gtin(): string {
  const body = String(1_000_000_000_000 + randomInt(0, 2 ** 40)).slice(0, 13);
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

interface World {
  url: string;
  sellerId: string;
  sellerKey: string;
  marketplaceId: string;
  products: { id: string; gtin: string }[];
}

/**
 * Products written straight into the catalog's collection, in one insert:
 * setup only, for the 10,000-line import, whose products would otherwise
 * take the embedded server an hour to create one statement at a time.
 */
async function seedProductsDirectly(uri: string, n: number): Promise<{ id: string; gtin: string }[]> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const tag = randomBytes(3).toString("hex");
    const docs = Array.from({ length: n }, (_, i) => {
      const g = gtin();
      return { _id: `prd_${new Types.ObjectId().toHexString()}`, gtin: g, gtin14: g.padStart(14, "0"), name: `Bulk ${tag} ${i}`, createdAt: new Date() };
    });
    await connection.collection("products").insertMany(docs as never[]);
    return docs.map((d) => ({ id: d._id, gtin: d.gtin }));
  } finally {
    await connection.close();
  }
}

/** A seller affiliated with a marketplace, and `n` products (50 to a request). */
async function seed(url: string, n: number): Promise<World> {
  const s = await gql(url, `mutation { createSeller(input: { name: "Bulk seller" }) { seller { id } apiKey } }`, {}, admin);
  const m = await gql(url, `mutation { createMarketplace(input: { name: "Bulk market" }) { marketplace { id } } }`, {}, admin);
  const sellerId = s.createSeller.seller.id;
  const marketplaceId = m.createMarketplace.marketplace.id;
  await gql(url, `mutation { affiliateSeller(sellerId: "${sellerId}", marketplaceId: "${marketplaceId}") { createdAt } }`, {}, admin);
  const products: { id: string; gtin: string }[] = [];
  const tag = randomBytes(3).toString("hex");
  for (let at = 0; at < n; at += 50) {
    const batch = Array.from({ length: Math.min(50, n - at) }, (_, i) => ({ gtin: gtin(), name: `Bulk ${tag} ${at + i}` }));
    const r = await gql(url, `mutation { ${batch.map((p, i) => `p${i}: createProduct(input: { gtin: "${p.gtin}", name: "${p.name}" }) { id gtin }`).join(" ")} }`, {}, admin);
    products.push(...batch.map((_, i) => r[`p${i}`] as { id: string; gtin: string }));
  }
  return { url, sellerId, sellerKey: s.createSeller.apiKey, marketplaceId, products };
}

const SUBMIT = "mutation($i: SubmitOfferInput!) { submitOffer(input: $i) { id } }";
const SUBMIT_MANY = "mutation($i: [SubmitOfferInput!]!) { submitOffers(input: $i) { succeeded failed } }";
const SET = "mutation($i: SetStockInput!) { setStock(input: $i) { version } }";
const SET_MANY = "mutation($i: [SetStockInput!]!) { setStocks(input: $i) { succeeded failed } }";

const offers = (w: World, price: number) => w.products.map((p) => ({ sellerId: w.sellerId, marketplaceId: w.marketplaceId, productId: p.id, price, currency: "BRL" }));
const stocks = (w: World, quantity: number) => w.products.map((p) => ({ ownerId: w.sellerId, productId: p.id, quantity }));

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

async function many(url: string, query: string, items: unknown[], key: string) {
  const r = await gql(url, query, { i: items }, key, 600_000);
  const payload = r.submitOffers ?? r.setStocks;
  if (payload.failed !== 0) throw new Error(`${payload.failed} items failed`);
}

/** Starts offergate on a database of its own within the bench's server. */
const target = (db: Database, name: string, extra: Record<string, string> = {}) =>
  startTarget(name, "offergate", targetEnv(db, { MONGODB_URI: db.uri.replace(/\/[^/]*$/, `/${name}`), ...extra }));

interface SpeedRow {
  operation: string;
  singles: number;
  singlesConcurrent: number;
  bulk: number;
}

async function speed(db: Database, items: number): Promise<SpeedRow[]> {
  const results: SpeedRow[] = [];
  // Three databases, each starting empty: singles one after another, singles 8 at a time, one bulk call.
  const runs: Record<string, { submit: number; set: number }> = {};
  const modes = process.env.BENCH_BULK_CONCURRENT ? (["sequential", "concurrent", "bulk"] as const) : (["sequential", "bulk"] as const);
  for (const mode of modes) {
    const og = await target(db, `bulk_speed_${mode}`);
    try {
      const w = await seed(og.url, items);
      await many(og.url, SET_MANY, stocks(w, 5), admin); // setup: in stock, so every offer becomes eligible
      const k = w.sellerKey;
      const single = (query: string, list: unknown[]) =>
        pool(list, mode === "sequential" ? 1 : CONCURRENCY, (i) => gql(og.url, query, { i }, k));
      const submit = await timed(() => (mode === "bulk" ? many(og.url, SUBMIT_MANY, offers(w, 100), k) : single(SUBMIT, offers(w, 100))));
      const set = await timed(() => (mode === "bulk" ? many(og.url, SET_MANY, stocks(w, 7), k) : single(SET, stocks(w, 7))));
      runs[mode] = { submit, set };
      process.stdout.write(`${mode}: ${items} offers submitted in ${fixed(submit, 2)} s, ${items} stocks set in ${fixed(set, 2)} s\n`);
    } finally {
      await og.stop();
    }
  }
  for (const op of ["submit", "set"] as const) {
    results.push({
      operation: op === "submit" ? `${items} new offers: submitOffer vs submitOffers` : `${items} stock levels (re-evaluating their offers): setStock vs setStocks`,
      singles: runs.sequential![op],
      singlesConcurrent: runs.concurrent?.[op] ?? Number.NaN,
      bulk: runs.bulk![op],
    });
  }
  return results;
}

interface StatementRow {
  items: number;
  submit: { total: number; by: Record<string, number> };
  set: { total: number; by: Record<string, number> };
  resubmit: { total: number; by: Record<string, number> };
}

async function statements(db: Database): Promise<StatementRow[]> {
  // No background work while statements are counted: no feed sweeps, no idle look for imports.
  const og = await target(db, "bulk_statements", { FEED_SWEEP_INTERVAL_MS: "3600000", IMPORT_POLL_MS: "3600000" });
  const metrics = og.url.replace(/\/graphql$/, "/metrics");
  const rows: StatementRow[] = [];
  try {
    for (const n of [10, 100, 1000]) {
      const w = await seed(og.url, n);
      const submit = await commandsDuring(metrics, () => many(og.url, SUBMIT_MANY, offers(w, 100), w.sellerKey));
      const set = await commandsDuring(metrics, () => many(og.url, SET_MANY, stocks(w, 5), w.sellerKey));
      const resubmit = await commandsDuring(metrics, () => many(og.url, SUBMIT_MANY, offers(w, 150), w.sellerKey));
      rows.push({ items: n, submit, set, resubmit });
      process.stdout.write(`${n} items: submitOffers ${submit.total}, setStocks ${set.total}, submitOffers (new prices) ${resubmit.total} statements\n`);
    }
  } finally {
    await og.stop();
  }
  return rows;
}

interface ImportResult {
  lines: number;
  uploadSeconds: number;
  totalSeconds: number;
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
  status: string;
  succeeded: number;
  /** Batches of (up to) 1,000 lines the import ran in. */
  batches: number;
  /** Per batch: database commands, write statements, and write statements to the offers collection. */
  commandsPerBatch: number;
  writesPerBatch: number;
  offerWritesPerBatch: number;
  /** Write statements per batch, by collection. */
  writesBy: Record<string, number>;
}

async function csvImport(db: Database, lines: number): Promise<ImportResult> {
  const og: Target = await target(db, `bulk_import_${lines}`);
  try {
    const w = { ...(await seed(og.url, 0)), products: await seedProductsDirectly(db.uri.replace(/\/[^/]*$/, `/bulk_import_${lines}`), lines) };
    const csv = `gtin,price,currency,quantity\n${w.products.map((p, i) => `${p.gtin},${100 + i},BRL,${1 + (i % 9)}`).join("\n")}\n`;
    const pid = og.pids.gateway;
    const metrics = og.url.replace(/\/graphql$/, "/metrics");
    const [commandsBefore, writesBefore] = await Promise.all([dbCommands(metrics), dbWriteStatements(metrics)]);
    const rssBefore = rssBytes(pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), 100);
    const started = performance.now();
    const origin = new URL(og.url).origin;
    const response = await fetch(`${origin}/imports/offers?marketplaceId=${w.marketplaceId}`, {
      method: "POST",
      headers: { "content-type": "text/csv", authorization: `Bearer ${w.sellerKey}` },
      body: csv,
    });
    const { id } = (await response.json()) as { id: string };
    if (response.status !== 202) throw new Error(`import refused: HTTP ${response.status}`);
    const uploadSeconds = (performance.now() - started) / 1000;
    let imp: any;
    for (;;) {
      imp = (await gql(og.url, `{ offerImport(id: "${id}") { status processed succeeded failed } }`, {}, w.sellerKey)).offerImport;
      if (imp.status === "DONE" || imp.status === "FAILED") break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const totalSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const rssAfter = rssBytes(pid);
    const commands = commandsBetween(commandsBefore, await dbCommands(metrics));
    const writes = commandsBetween(writesBefore, await dbWriteStatements(metrics));
    // The statements of the progress polls above are counted too: a handful (reads) per batch.
    const batches = Math.ceil(lines / 1000);
    const per = (n: number) => Math.round((n / batches) * 10) / 10;
    const result: ImportResult = {
      lines,
      uploadSeconds,
      totalSeconds,
      rssBefore,
      rssPeak,
      rssAfter,
      status: imp.status,
      succeeded: imp.succeeded,
      batches,
      commandsPerBatch: per(commands.total),
      writesPerBatch: per(writes.total),
      offerWritesPerBatch: per(writes.by.offers ?? 0),
      writesBy: Object.fromEntries(Object.entries(writes.by).map(([k, v]) => [k, per(v)])),
    };
    process.stdout.write(`import of ${lines} lines: ${JSON.stringify(result)}\n`);
    return result;
  } finally {
    await og.stop();
  }
}

const describe = (by: Record<string, number>) =>
  Object.entries(by)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
const times = (ratio: number) => (Number.isFinite(ratio) ? `${fixed(ratio)}×` : "n/a");
const mb = (bytes: number) => `${fixed(bytes / 2 ** 20, 0)} MB`;

export function bulkReport(speedRows: SpeedRow[], statementRows: StatementRow[], imports: ImportResult[], command: string): Report {
  const speedHeaders = ["operation", "single calls, one at a time (s)", `single calls, ${CONCURRENCY} at a time (s)`, "one bulk call (s)", "speed-up (vs one at a time)", `speed-up (vs ${CONCURRENCY} at a time)`];
  const speed = speedRows.map((r) => [r.operation, fixed(r.singles, 2), fixed(r.singlesConcurrent, 2), fixed(r.bulk, 2), times(r.singles / r.bulk), times(r.singlesConcurrent / r.bulk)]);
  const statementHeaders = ["items", "submitOffers (new)", "setStocks", "submitOffers (new prices)", "submitOffers by collection and command"];
  const statements = statementRows.map((r) => [r.items, r.submit.total, r.set.total, r.resubmit.total, describe(r.submit.by)]);
  const importHeaders = ["lines", "upload (s)", "to DONE (s)", "lines/s", "status", "succeeded", "RSS before", "RSS peak", "RSS after"];
  const importRows = imports.map((r) => [r.lines, fixed(r.uploadSeconds, 1), fixed(r.totalSeconds, 1), fixed(r.lines / r.totalSeconds, 0), r.status, r.succeeded, mb(r.rssBefore), mb(r.rssPeak), mb(r.rssAfter)]);
  const speedGoal = "Goal: `submitOffers` of 1,000 items ≥ 10× faster than 1,000 `submitOffer` calls.";
  const statementGoal = "Goal: bounded by a constant, not by the items.";
  const importGoal = "Goal: 10,000 lines in ≤ 60 s on the embedded default, memory flat.";
  const summary = `## Bulk work and CSV imports

${provenance(command)}

${columns(speedHeaders, speed, ["operation", "single calls, one at a time (s)", "one bulk call (s)", "speed-up (vs one at a time)"])}

${speedGoal}

Database statements per bulk call (goal: bounded by a constant, not by the items):

${columns(statementHeaders, statements, ["items", "submitOffers (new)", "setStocks"])}

CSV imports (goal: 10,000 lines in ≤ 60 s on the embedded default, memory flat):

${columns(importHeaders, importRows, ["lines", "to DONE (s)", "status", "RSS peak"])}`;
  const notes = `## Bulk work and CSV imports

${provenance(command)}

offergate in its embedded mode on the bench's jongodb, each run on a
database of its own that starts empty; the seller's stock set beforehand so
that every offer becomes eligible (a feed event each). Single calls one at a
time (8 at a time too with \`BENCH_BULK_CONCURRENT=1\`; n/a otherwise).

${table(speedHeaders, speed)}

${speedGoal}

Database statements per bulk call (\`offergate_db_commands_total\` before
and after each call; new offers, then new stock levels re-evaluating them,
then new prices for the same offers):

${table(statementHeaders, statements)}

${statementGoal}

CSV import (\`POST /imports/offers\`, gtin, price, currency and quantity;
every line a new offer of a product of its own, the products written into
the catalog's collection beforehand), time from the upload's start to
\`DONE\`, resident memory of the process sampled every 100 ms:

${table(importHeaders, importRows)}

Per batch of 1,000 lines (\`offergate_db_commands_total\` and
\`offergate_db_write_statements_total\` before and after the import, the
progress polls included): database commands, write statements (an insert
counts one whatever it carries; the embedded server's cost is per
statement), and those of them to the offers collection:

${table(
  ["lines", "batches", "commands", "write statements", "to offers", "write statements by collection"],
  imports.map((r) => [r.lines, r.batches, fixed(r.commandsPerBatch, 1), fixed(r.writesPerBatch, 1), fixed(r.offerWritesPerBatch, 1), describe(r.writesBy)]),
)}

${importGoal}`;
  return { summary, notes };
}

if (require.main === module) {
  runScript(async () => {
    const db = await startDatabase();
    const items = Number(process.env.BENCH_BULK_ITEMS ?? 1000);
    const lines = (process.env.BENCH_IMPORT_LINES ?? "1000,10000").split(",").map(Number);
    // Which parts run (all by default): e.g. BENCH_BULK_PARTS=import BENCH_IMPORT_LINES=2000 for the import alone.
    const parts = new Set((process.env.BENCH_BULK_PARTS ?? "statements,import,speed").split(",").map((p) => p.trim()));
    // The quick parts first; the report is written after each part, so a long run shows what it has.
    const speedRows: SpeedRow[] = [];
    const statementRows: StatementRow[] = [];
    const imports: ImportResult[] = [];
    const report = () => publish(process.env.BENCH_SECTION ?? "bulk", bulkReport(speedRows, statementRows, imports, "npm run bench:bulk"));
    if (parts.has("statements")) {
      statementRows.push(...(await statements(db)));
      report();
    }
    if (parts.has("import")) {
      for (const n of lines) {
        imports.push(await csvImport(db, n));
        report();
      }
    }
    if (parts.has("speed")) {
      speedRows.push(...(await speed(db, items)));
      report();
    }
  });
}
