/**
 * Mutations through the embedded gateway:
 *
 * - submitOffer, forwardOffer and setStock per second at a fixed number of
 *   connections, each request different (its own seller, marketplace and
 *   product; each offer forwarded once; stock levels of varied owners);
 * - setStock whose change affects 1 and 100 offers (and, with
 *   BENCH_MUTATIONS_LARGE=1000,10000, larger numbers, each on a database of
 *   its own) (a forwarder's
 *   stock gate closing and opening under that many forwarded offers): the
 *   time of the request and the database round trips, in the request and in
 *   the feed appends after it; K = 1 and 100 on a small database and again
 *   after an unrelated data set of thousands of offers was added.
 */
import { commandsBetween, dbCommands, gql, median } from "./lib/client";
import { startDatabase, type Database } from "./lib/db";
import { copySellers } from "./lib/amplify";
import { measureLoad, type MeasuredLoad } from "./lib/load";
import { runScript } from "./lib/proc";
import { probeDatabase, type ProbeRow } from "./lib/dbprobe";
import { columns, fixed, provenance, publish, table, type Report } from "./lib/report";
import { SECRETS, startTarget, targetEnv, type Target } from "./lib/targets";
import { Admin, buildOfferGraph } from "./lib/world";

/**
 * Larger K, each on a database of its own, only on request: on the embedded
 * database each K = 10,000 request takes 15 to 25 s.
 */
const LARGE = (process.env.BENCH_MUTATIONS_LARGE ?? "").split(",").filter(Boolean).map(Number);
const CONNECTIONS = Number(process.env.BENCH_MUTATION_CONNECTIONS ?? 8);
const PER_KIND = Number(process.env.BENCH_MUTATIONS ?? 100);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RateRow {
  mutation: string;
  result: MeasuredLoad;
  note: string;
}

async function rates(admin: Admin, og: Target, db: Database): Promise<RateRow[]> {
  // 10 marketplaces, 30 sellers affiliated with each, 10 products: 3000 distinct offers to submit.
  const markets = (await admin.marketplaces(10)).map((m) => m.id);
  const sellers = (await admin.sellers(30)).map((s) => s.id);
  const products = await admin.products(10);
  await admin.affiliate(sellers.flatMap((s) => markets.map((m) => [s, m] as [string, string])));
  await admin.stock(sellers.slice(0, 10).flatMap((s) => products.map((p) => [s, p, 7] as [string, string, number])));
  const triples = sellers.flatMap((s) => markets.flatMap((m) => products.map((p) => [s, m, p] as const)));
  const submitBodies = triples.slice(0, PER_KIND).map(([sellerId, marketplaceId, productId], i) =>
    JSON.stringify({
      query: "mutation($i: SubmitOfferInput!) { submitOffer(input: $i) { id available } }",
      variables: { i: { sellerId, marketplaceId, productId, price: 1000 + i, currency: "BRL" } },
    }),
  );
  const run = (bodies: string[]) =>
    measureLoad(
      {
        url: og.url,
        connections: CONNECTIONS,
        warmupSeconds: 0,
        seconds: 300,
        amount: bodies.length,
        headers: { authorization: `Bearer ${SECRETS.ADMIN_API_KEY}` },
        bodies,
      },
      { ...og.pids, db: db.process.pid },
    );
  const submit = await run(submitBodies);

  // Every marketplace forwards (its stock gate open) to one downstream marketplace over a plain route.
  const downstream = (await admin.marketplaces(1))[0]!.id;
  await admin.routes(markets.map((m) => [m, downstream] as [string, string]), false);
  await admin.stock(markets.flatMap((m) => products.map((p) => [m, p, 3] as [string, string, number])));
  const offerIds = (await Promise.all(markets.map((m) => admin.offerIdsAt(m)))).flat().slice(0, PER_KIND);
  const forward = await run(
    offerIds.map((offerId) =>
      JSON.stringify({
        query: "mutation($o: ID!, $to: ID!) { forwardOffer(offerId: $o, toMarketplaceId: $to) { id available } }",
        variables: { o: offerId, to: downstream },
      }),
    ),
  );

  const owners = [...sellers, ...markets];
  const stock = await run(
    Array.from({ length: PER_KIND }, (_, i) =>
      JSON.stringify({
        query: "mutation($i: SetStockInput!) { setStock(input: $i) { version } }",
        variables: { i: { ownerId: owners[i % owners.length], productId: products[Math.floor(i / owners.length) % products.length], quantity: i % 5 } },
      }),
    ),
  );
  return [
    { mutation: "submitOffer", result: submit, note: "a new offer each (no routes out)" },
    { mutation: "forwardOffer", result: forward, note: "each offer once, gate open" },
    { mutation: "setStock", result: stock, note: "varied owners and products, quantity 0-4 (re-evaluates their offers)" },
  ];
}

interface GateCase {
  forwarder: string;
  product: string;
  affected: number;
}

/** A forwarder F whose stock of one product gates `sellers × downstream` forwarded offers (F → D auto-forward routes). */
async function gateCase(admin: Admin, db: Database, sellersCount: number, downstreamCount: number): Promise<GateCase> {
  const [forwarder] = (await admin.marketplaces(1)).map((m) => m.id);
  const downstream = (await admin.marketplaces(downstreamCount)).map((m) => m.id);
  const [product] = await admin.products(1);
  await admin.routes(downstream.map((d) => [forwarder!, d] as [string, string]), true);
  await admin.stock([[forwarder!, product!, 5]]);
  const [seller] = (await admin.sellers(1)).map((s) => s.id);
  await admin.affiliate([[seller!, forwarder!]]);
  await admin.stock([[seller!, product!, 9]]);
  await admin.submit([[seller!, forwarder!, product!]]);
  if (sellersCount > 1) await copySellers(db.uri, [seller!], sellersCount - 1);
  return { forwarder: forwarder!, product: product!, affected: sellersCount * downstreamCount };
}

interface GateRow {
  affected: number;
  database: string;
  offersInDatabase: number;
  direction: string;
  ms: number;
  inRequest: number;
  afterRequest: number;
  writes: string;
}

/** Waits until the database counters stop moving (the feed appends that follow a mutation). */
async function settled(metrics: string): Promise<Map<string, number>> {
  let last = JSON.stringify([...(await dbCommands(metrics))]);
  for (;;) {
    await sleep(400);
    const now = await dbCommands(metrics);
    const s = JSON.stringify([...now]);
    if (s === last) return now;
    last = s;
  }
}


async function toggle(og: Target, c: GateCase, database: string, offersInDatabase: number, repeats: number): Promise<GateRow[]> {
  const metrics = og.url.replace(/\/graphql$/, "/metrics");
  const rows: GateRow[] = [];
  for (const [direction, quantity] of [["gate closes (5 → 0)", 0], ["gate opens (0 → 5)", 5]] as const) {
    const samples: { ms: number; inRequest: number; afterRequest: number; by: Record<string, number> }[] = [];
    for (let r = 0; r < repeats; r++) {
      if (r > 0) {
        // Back to where this direction starts.
        await gql(og.url, "mutation($i: SetStockInput!) { setStock(input: $i) { version } }", { i: { ownerId: c.forwarder, productId: c.product, quantity: 5 - quantity } }, SECRETS.ADMIN_API_KEY);
        await settled(metrics);
      }
      const before = await settled(metrics);
      const t = performance.now();
      await gql(og.url, "mutation($i: SetStockInput!) { setStock(input: $i) { version } }", { i: { ownerId: c.forwarder, productId: c.product, quantity } }, SECRETS.ADMIN_API_KEY, 1_800_000);
      const ms = performance.now() - t;
      const mid = await dbCommands(metrics);
      const end = await settled(metrics);
      const inRequest = commandsBetween(before, mid);
      samples.push({ ms, inRequest: inRequest.total, afterRequest: commandsBetween(mid, end).total, by: commandsBetween(before, end).by });
    }
    const mid = samples[Math.floor(samples.length / 2)]!;
    rows.push({
      affected: c.affected,
      database,
      offersInDatabase,
      direction,
      ms: median(samples.map((s) => s.ms)),
      inRequest: median(samples.map((s) => s.inRequest)),
      afterRequest: median(samples.map((s) => s.afterRequest)),
      writes: Object.entries(mid.by)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    });
    const row = rows.at(-1)!;
    process.stdout.write(`setStock affecting ${c.affected} (${database}) ${direction}: ${fixed(row.ms, 0)} ms, ${row.inRequest} + ${row.afterRequest} round trips\n`);
  }
  return rows;
}

async function offersCount(og: Target): Promise<number> {
  return (await gql(og.url, "{ offers(first: 1) { totalCount } }")).offers.totalCount;
}

export interface MutationsResult {
  rates: RateRow[];
  gate: GateRow[];
  probe: ProbeRow[];
}

export async function runMutations(): Promise<MutationsResult> {
  const db = await startDatabase();
  const og = await startTarget("offergate", "offergate", targetEnv(db));
  try {
    const admin = new Admin(og.url, SECRETS.ADMIN_API_KEY);
    const gate: GateRow[] = [];
    const one = await gateCase(admin, db, 1, 1);
    const hundred = await gateCase(admin, db, 1, 100);
    const small = await offersCount(og);
    gate.push(...(await toggle(og, one, "small", small, 3)), ...(await toggle(og, hundred, "small", small, 3)));
    // The rates on this small database: on the big one the embedded database's own cost dominates.
    const rateRows = await rates(admin, og, db);
    for (const r of rateRows) process.stdout.write(`${r.mutation}: ${fixed(r.result.rps, 0)}/s p50 ${r.result.p50} ms p99 ${r.result.p99} ms\n`);
    // An unrelated data set: the offer graph bench's (its own marketplaces, products, sellers).
    await buildOfferGraph(admin, db.uri, { products: 10, chains: 10, sellers: 10, copies: 4 });
    const big = await offersCount(og);
    gate.push(...(await toggle(og, one, "big", big, 3)), ...(await toggle(og, hundred, "big", big, 1)));
    return { rates: rateRows, gate: [...gate, ...(await largeCases())], probe: await probeDatabase() };
  } finally {
    await og.stop();
    await db.process.stop();
  }
}

/** K = 1,000, 10,000...: sellers × 100 downstream marketplaces, alone on a fresh database. */
async function largeCases(): Promise<GateRow[]> {
  const rows: GateRow[] = [];
  for (const k of LARGE) {
    const db = await startDatabase();
    const og = await startTarget("offergate", "offergate", targetEnv(db));
    try {
      const c = await gateCase(new Admin(og.url, SECRETS.ADMIN_API_KEY), db, Math.ceil(k / 100), 100);
      rows.push(...(await toggle(og, c, "alone", await offersCount(og), 1)));
    } finally {
      await og.stop();
      await db.process.stop();
    }
  }
  return rows;
}

export function mutationsReport(r: MutationsResult, command: string): Report {
  const rateHeaders = ["mutation", "per second", "p50 / p99 ms", "gateway CPU ms/req", "database CPU ms/req", "failures", "what"];
  const rateRows = r.rates.map((x) => [
    x.mutation,
    fixed(x.result.rps, 0),
    `${x.result.p50} / ${x.result.p99}`,
    fixed(x.result.cpuPerRequest.gateway!, 1),
    fixed(x.result.cpuPerRequest.db!, 1),
    x.result.failures,
    x.note,
  ]);
  const gateHeaders = ["K affected", "database", "offers in it", "change", "request ms", "round trips in request", "after", "by collection and command (in + after)"];
  const gateRows = r.gate.map((g) => [g.affected, g.database, g.offersInDatabase, g.direction, fixed(g.ms, 0), g.inRequest, g.afterRequest, g.writes]);
  const summary = `## Mutations

${provenance(command)}

${columns(rateHeaders, rateRows, ["mutation", "per second", "p50 / p99 ms", "failures"])}

A forwarder's stock gate closing or opening under K forwarded offers (\`setStock\`; on a bigger database too in the notes):

${columns(gateHeaders, gateRows.filter((row) => row[1] !== "big"), ["K affected", "database", "change", "request ms"])}`;
  const notes = `## Mutations

${provenance(command)}

Through the embedded gateway with the admin key, ${CONNECTIONS} connections, ${PER_KIND} requests of each
kind, every one different, on the small database below; a response with
errors counts as a failure.

${table(rateHeaders, rateRows)}

setStock on a forwarder whose stock gates K forwarded offers (K sellers ×
downstream marketplaces, SELLER_GATED auto-forward routes): closing the gate
makes all K unavailable (FORWARDER_OUT_OF_STOCK), opening it makes them
available again; each feeds one event per offer to its marketplace. "In the
request" are the round trips before the response; "after" the feed appends
that follow it (counted until the counters stop moving). Medians of 3 on the
small database, one run on the big one. "small" is a database with only
these cases and the rates' offers; "big" adds an unrelated data set (the
offer graph's, at half its size).
Larger K run only on request, each alone on a database of its own ("alone"):
\`BENCH_MUTATIONS_LARGE=1000,10000 npm run bench:mutations\` (minutes)${LARGE.length ? "" : "; not in this run"}.
Their time is this database's: the offers a change treats alike are one
update, the events one insert, but each write statement costs in
proportion to the collection it writes (the probe below: over a second at
10,000 documents).

${table(gateHeaders, gateRows)}

The embedded database alone (a fresh jongodb, no offergate), one operation at
a time by \`_id\` on offer-like documents with the offers' kind of indexes: its
cost per operation grows with the collection, which is why the same round
trips take longer on the big database.

${table(
  ["documents", "find by _id ms", "update by _id ms", "insert ms"],
  r.probe.map((p) => [p.documents, fixed(p.findMs, 1), fixed(p.updateMs, 1), fixed(p.insertMs, 1)]),
)}`;
  return { summary, notes };
}

if (require.main === module) runScript(async () => publish("mutations", mutationsReport(await runMutations(), "npm run bench:mutations")));
