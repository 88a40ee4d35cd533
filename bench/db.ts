/**
 * Database round trips per request: the offer-graph query, and
 * lists of 10, 100 and 1000 offers each with the same graph, counted from
 * `offergate_db_commands_total` on the embedded process's /metrics before and
 * after each request (nothing else runs meanwhile; no feed sweeps).
 * The contract caps `first` at 100, so 1000 offers are 10 consecutive pages
 * of 100 (the `offers` list over the whole data set).
 */
import { commandsDuring, gql, median } from "./lib/client";
import { startDatabase, type Database } from "./lib/db";
import { runScript } from "./lib/proc";
import { GRAPH_QUERY, LIST_QUERY } from "./lib/queries";
import { columns, provenance, publish, table, type Report } from "./lib/report";
import { startTarget, targetEnv } from "./lib/targets";
import type { OfferGraphWorld } from "./lib/world";
import { seedGraph } from "./graph";

interface Row {
  request: string;
  offers: number;
  total: number;
  by: Record<string, number>;
  note?: string;
}

const describe = (by: Record<string, number>) =>
  Object.entries(by)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");

export async function runDb(db: Database, world: OfferGraphWorld): Promise<Row[]> {
  // The whole graph under 100 offers is over the default cost limit (MAX_COST 50,000): raised here.
  // Without the gateway's entity cache: every request pays for every entity it names, as on a cold start.
  const og = await startTarget("offergate", "offergate", targetEnv(db, { MAX_COST: "100000000", ENTITY_CACHE_SIZE: "0" }));
  const metrics = og.url.replace(/\/graphql$/, "/metrics");
  const rows: Row[] = [];
  try {
    // The graph of 30 different offers (A, B and C of each chain): the spread is the answer.
    const graphCosts: { total: number; by: Record<string, number> }[] = [];
    const sample = world.offerIds.filter((_, i) => i % Math.ceil(world.offerIds.length / 30) === 0);
    for (const id of sample) graphCosts.push(await commandsDuring(metrics, () => gql(og.url, GRAPH_QUERY, { id })));
    const totals = graphCosts.map((c) => c.total);
    rows.push({
      request: "offer graph, one offer",
      offers: 1,
      total: median(totals),
      by: graphCosts[totals.indexOf(median(totals))]?.by ?? graphCosts[0]!.by,
      note: `${sample.length} different offers: ${Math.min(...totals)} to ${Math.max(...totals)} round trips (a direct offer has no source to load)`,
    });
    for (const n of [10, 100]) {
      const cost = await commandsDuring(metrics, async () => {
        const r = await gql(og.url, LIST_QUERY, { first: n });
        if (r.offers.edges.length !== n) throw new Error(`asked ${n} offers, got ${r.offers.edges.length}`);
      });
      rows.push({ request: `offers(first: ${n}) with the graph`, offers: n, ...cost });
    }
    const pages: number[] = [];
    let after: string | null = null;
    let seen = 0;
    const whole = await commandsDuring(metrics, async () => {
      for (let page = 0; page < 10; page++) {
        const cost = await commandsDuring(metrics, async () => {
          const r: any = await gql(og.url, LIST_QUERY, { first: 100, after });
          seen += r.offers.edges.length;
          after = r.offers.pageInfo.endCursor;
        });
        pages.push(cost.total);
      }
    });
    if (seen !== 1000) throw new Error(`10 pages gave ${seen} offers`);
    rows.push({
      request: "10 pages of offers(first: 100)",
      offers: 1000,
      ...whole,
      note: `per page: ${[...new Set(pages)].join(" or ")}`,
    });
  } finally {
    await og.stop();
  }
  for (const r of rows) process.stdout.write(`${r.request.padEnd(36)} ${String(r.offers).padStart(5)} offers  ${r.total} round trips  ${describe(r.by)}\n`);
  return rows;
}

export function dbReport(rows: Row[], world: OfferGraphWorld, command: string): Report {
  const headers = ["request", "offers", "round trips", "per offer", "by collection and command", "note"];
  const cells = rows.map((r) => [r.request, r.offers, r.total, (r.total / r.offers).toFixed(3), describe(r.by), r.note ?? ""]);
  const goal = "Goal: constant, not growing with the number of offers.";
  const summary = `## Database round trips per request

${provenance(command)}

${columns(headers, cells, ["request", "offers", "round trips", "per offer"])}

${goal}`;
  const notes = `## Database round trips per request

${provenance(command)}

On the offer graph's data set (${world.offerIds.length} offers), through the embedded
gateway; database commands counted on \`/metrics\`
(\`offergate_db_commands_total\`) before and after each request. \`first\`
is capped at 100 by the contract, so 1000 offers are 10 consecutive pages of
\`offers(first: 100)\`, each offer with the whole offer graph (over
the default cost limit for lists of 100: \`MAX_COST\` raised for this run).
The gateway's cache of immutable entities is off (\`ENTITY_CACHE_SIZE=0\`), so
these are the round trips of a request that finds nothing remembered; with
it, the reads of sellers, marketplaces and products are skipped for those
already seen.

${table(headers, cells)}

${goal} A page costs the same
round trips for 10 and for 100 offers (one query per level and kind, through
DataLoaders), and 1000 offers cost ten times one page because they are ten
requests.`;
  return { summary, notes };
}

if (require.main === module) {
  runScript(async () => {
    const db = await startDatabase();
    const world = await seedGraph(db);
    publish("db", dbReport(await runDb(db, world), world, "npm run bench:db"));
  });
}
