/**
 * `npm run bench:hostile`: how long the gateway takes to answer or refuse
 * queries built to be expensive (fragment doubling, deep fragment chains,
 * `__typename` aliases, repeated fields), each 64 KB or less, sent
 * anonymously to the embedded service with the default limits. Prints one
 * line per query: its size, the answer (HTTP status and error code), and the
 * wall time and the process's CPU time for the slowest of a few tries.
 */
import "reflect-metadata";
import { startOffergate } from "../src/app";
import { loadConfig } from "../src/shared/config";

const doubling = (n: number, leaf: string, typeName: string) =>
  [`fragment F0 on ${typeName} { ${leaf} }`, ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on ${typeName} { ...F${i} ...F${i} }`)].join(" ");
const chain = (n: number) => ["fragment F0 on Offer { id }", ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on Offer { ...F${i} }`)].join(" ");
const repeat = (n: number, text: string) => Array.from({ length: n }, (_, i) => text.replaceAll("$i", String(i))).join(" ");

const QUERIES: [string, string][] = [
  ...[10, 15, 16, 21, 25, 30].map((n): [string, string] => [
    `doubling fragments, n = ${n}, under offers(first: 0)`,
    `{ offers(first: 0) { edges { node { ...F${n} } } } } ${doubling(n, "id", "Offer")}`,
  ]),
  ...[15, 30].map((n): [string, string] => [`doubling fragments, n = ${n}, on Query`, `{ ...F${n} } ${doubling(n, "viewer { kind }", "Query")}`]),
  ["doubling fragments, n = 14, under offers(first: 1): the largest accepted", `{ offers(first: 1) { edges { node { ...F14 } } } } ${doubling(14, "id price", "Offer")}`],
  ["doubling inline fragments in fragments, n = 30", `{ offers(first: 0) { edges { node { ...F30 } } } } ${doubling(30, "... on Offer { id ... on Offer { price } }", "Offer")}`],
  ["a chain of 1,000 fragments", `{ offers(first: 1) { edges { node { ...F1000 } } } } ${chain(1000)}`],
  ["a chain of 200 fragments", `{ offers(first: 1) { edges { node { ...F200 } } } } ${chain(200)}`],
  ["15 levels of forwards", `{ offers(first: 1) { edges { node { ${"forwards { ".repeat(12)}id${" }".repeat(12)} } } } }`],
  ["3,000 nested selection sets", `{ ${"offer(id: \"x\") { forwards { ".repeat(1500)}id${" } }".repeat(1500)} }`],
  ["3,000 `__typename` aliases", `{ ${repeat(3000, "a$i: __typename")} }`],
  ["50 `__typename` aliases", `{ ${repeat(50, "a$i: __typename")} }`],
  ["3,000 unaliased `__typename`", `{ ${repeat(3000, "__typename")} }`],
  ["2,400 identical `viewer { kind }`", `{ ${repeat(2400, "viewer { kind }")} }`],
  ["1,600 identical `offers(first: 0) { totalCount }`", `{ ${repeat(1600, "offers(first: 0) { totalCount }")} }`],
  ["1,000 fragments each spread once", `{ offers(first: 1) { edges { node { ${repeat(1000, "...G$i")} } } } } ${repeat(1000, "fragment G$i on Offer { id }")}`],
];

async function main() {
  const app = await startOffergate(loadConfig({ NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent" }));
  try {
    // Warm up: the first requests compile the gateway's code paths.
    for (let i = 0; i < 20; i++) await fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `query W${i} { offers(first: 1) { edges { node { id ...on Offer { price } } } } viewer { kind } }` }) });
    const rows: string[] = [];
    for (const [name, query] of QUERIES) {
      if (JSON.stringify({ query }).length > 65_530) throw new Error(`${name}: over 64 KB`);
      let worst = { ms: 0, cpuMs: 0, answer: "" };
      for (let i = 0; i < 3; i++) {
        // A new operation name each time: the gateway caches what it parsed, validated and planned by the text.
        const body = JSON.stringify({ query: `query H${i} ${query}` });
        const cpu = process.cpuUsage();
        const started = performance.now();
        const response = await fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body });
        const json = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        const answer = `${response.status} ${json.errors?.[0]?.extensions?.code ?? "data"}`;
        if (ms > worst.ms) worst = { ms, cpuMs: (used.user + used.system) / 1000, answer };
      }
      rows.push(`| ${name} | ${JSON.stringify({ query }).length.toLocaleString("en")} | ${worst.answer} | ${worst.ms.toFixed(0)} | ${worst.cpuMs.toFixed(0)} |`);
    }
    process.stdout.write(`\n| query | bytes | answer | ms (slowest of 3) | CPU ms |\n|---|---|---|---|---|\n${rows.join("\n")}\n`);
    process.stdout.write(`RSS after: ${Math.round(process.memoryUsage().rss / 1e6)} MB\n`);
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
