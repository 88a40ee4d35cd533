/**
 * `npm run bench:hostile`: how long the gateway takes to answer or refuse
 * queries built to be expensive (fragment doubling, deep fragment chains,
 * deep nesting, `__typename` aliases, repeated fields and fragments, long
 * argument lists, deep values, directives, variables), each 64 KB or less,
 * sent anonymously to the embedded service with the default limits. Prints
 * one line per query: its size, the answer (HTTP status and error code), and
 * the wall time and the process's CPU time for the slowest of a few tries;
 * then the worst of all.
 */
import "reflect-metadata";
import { startOffergate } from "../src/app";
import { loadConfig } from "../src/shared/config";

const doubling = (n: number, leaf: string, typeName: string) =>
  [`fragment F0 on ${typeName} { ${leaf} }`, ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on ${typeName} { ...F${i} ...F${i} }`)].join(" ");
const chain = (n: number) => ["fragment F0 on Offer { id }", ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on Offer { ...F${i} }`)].join(" ");
const repeat = (n: number, text: string, separator = " ") => Array.from({ length: n }, (_, i) => text.replaceAll("$i", String(i))).join(separator);
/** F(i) = { a: forwards { ...F(i-1) } b: forwards { ...F(i-1) } }, a new alias at each level: no name repeats. */
const distinct = (n: number) =>
  ["fragment F0 on Offer { id }", ...Array.from({ length: n }, (_, i) => `fragment F${i + 1} on Offer { a${i}: forwards { ...F${i} } b${i}: forwards { ...F${i} } }`)].join(" ");
const deep = (n: number) => `{ offer(id: "x") { ${"forwards { ".repeat(n)}id${" }".repeat(n)} } }`;
const KB64 = 65_536;

/** Name, query, and variables (an object, or JSON text too deep for JSON.stringify). */
const QUERIES: [string, string, (Record<string, unknown> | string)?][] = [
  ...[1, 5, 6, 10, 15, 16, 20, 25, 30].map((n): [string, string] => [
    `doubling fragments, n = ${n}, under offers(first: 0)`,
    `{ offers(first: 0) { edges { node { ...F${n} } } } } ${doubling(n, "id", "Offer")}`,
  ]),
  ...[15, 30].map((n): [string, string] => [`doubling fragments, n = ${n}, on Query`, `{ ...F${n} } ${doubling(n, "viewer { kind }", "Query")}`]),
  ["doubling inline fragments in fragments, n = 30", `{ offers(first: 0) { edges { node { ...F30 } } } } ${doubling(30, "... on Offer { id ... on Offer { price } }", "Offer")}`],
  ["doubling with a new field at each level, n = 13 (16,383 fields)", `{ offers(first: 0) { edges { node { ...F13 } } } } ${distinct(13)}`],
  ["a chain of 1,000 fragments", `{ offers(first: 1) { edges { node { ...F1000 } } } } ${chain(1000)}`],
  ["a chain of 200 fragments", `{ offers(first: 1) { edges { node { ...F200 } } } } ${chain(200)}`],
  ["deep list chain: 12 levels of forwards", deep(12)],
  ["deep nesting: 1,500 levels", deep(1500)],
  ["deep nesting: 3,300 levels (under the token limit)", deep(3300)],
  ["deep nesting: 5,000 levels (64 KB)", deep(5000)],
  ["50 `__typename` aliases", `{ ${repeat(50, "a$i: __typename")} }`],
  ["3,300 `__typename` aliases", `{ ${repeat(3300, "a$i: __typename")} }`],
  ["5,900 unaliased `__typename`", `{ ${repeat(5900, "__typename")} }`],
  ["63 identical `viewer { kind }`", `{ ${repeat(63, "viewer { kind }")} }`],
  ["2,400 identical `viewer { kind }`", `{ ${repeat(2400, "viewer { kind }")} }`],
  ["1,200 identical `offers(first: 0) { totalCount }`", `{ ${repeat(1200, "offers(first: 0) { totalCount }")} }`],
  ["4,900 spreads of one fragment", `{ offers(first: 0) { edges { node { ${repeat(4900, "...G")} } } } } fragment G on Offer { id }`],
  ["63 fragments side by side", `{ offers(first: 0) { edges { node { ${repeat(63, "...G$i")} } } } } ${repeat(63, "fragment G$i on Offer { id }")}`],
  ["1,200 fragments side by side", `{ offers(first: 1) { edges { node { ${repeat(1200, "...G$i")} } } } } ${repeat(1200, "fragment G$i on Offer { id }")}`],
  ["900 fragments side by side, each a distinct alias", `{ offers(first: 0) { edges { node { ${repeat(900, "...G$i")} } } } } ${repeat(900, "fragment G$i on Offer { g$i: id }")}`],
  ["3,300 unknown arguments", `{ offers(${repeat(3300, "a$i: 1")}) { totalCount } }`],
  ["one argument 3,300 times", `{ offers(${repeat(3300, "first: 1")}) { totalCount } }`],
  ["a list literal of 10,800 items (64 KB)", `{ offers(filter: { productId: [${repeat(10_800, '"p"', ",")}] }) { totalCount } }`],
  ["a list literal nested 3,000 deep", `{ offers(filter: { productId: ${"[".repeat(3000)}"p"${"]".repeat(3000)} }) { totalCount } }`],
  ["an input object nested 2,000 deep", `{ offers(filter: ${"{ a: ".repeat(2000)}1${" }".repeat(2000)}) { totalCount } }`],
  ["4,800 unknown directives on one field", `{ viewer { kind ${repeat(4800, "@d$i")} } }`],
  ["1,400 `@include(if: true)` on one field", `{ viewer { kind ${repeat(1400, "@include(if: true)")} } }`],
  ["1,200 `__typename @skip(if: false)`", `{ ${repeat(1200, "__typename @skip(if: false)")} }`],
  ["2,400 declared variables", `(${repeat(2400, "$v$i: Int")}) { viewer { kind } }`],
  ["a variable of 64 KB", "($id: ID!) { offer(id: $id) { id } }", { id: "x".repeat(KB64 - 200) }],
  ["a variable nested 10,000 deep", "($id: ID) { offer(id: $id) { id } }", `{"id":${"[".repeat(10_000)}1${"]".repeat(10_000)}}`],
  ["pages of 100 in pages of 100", "{ marketplaces(first: 100) { edges { node { offers(first: 100) { edges { node { forwards { forwards { forwards { id } } } } } } } } } }"],
];

/** The body as sent: a new operation name each time, since the gateway caches what it parsed, validated and planned by the text. */
const body = (i: number, query: string, variables?: Record<string, unknown> | string) => {
  const json = JSON.stringify({ query: `query H${i} ${query}`, ...(typeof variables === "object" ? { variables } : {}) });
  return typeof variables === "string" ? `${json.slice(0, -1)},"variables":${variables}}` : json;
};

async function main() {
  const app = await startOffergate(loadConfig({ NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent" }));
  try {
    // Warm up: the first requests compile the gateway's code paths.
    for (let i = 0; i < 20; i++) await fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `query W${i} { offers(first: 1) { edges { node { id ...on Offer { price } } } } viewer { kind } }` }) });
    const rows: string[] = [];
    let worstMs = 0;
    let worstCpuMs = 0;
    for (const [name, query, variables] of QUERIES) {
      const size = body(0, query, variables).length;
      if (size > KB64) throw new Error(`${name}: over 64 KB`);
      let worst = { ms: 0, cpuMs: 0, answer: "" };
      for (let i = 0; i < 3; i++) {
        const sent = body(i, query, variables);
        const cpu = process.cpuUsage();
        const started = performance.now();
        const response = await fetch(app.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: sent });
        const json = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        const answer = `${response.status} ${json.errors?.[0]?.extensions?.code ?? "data"}`;
        const cpuMs = (used.user + used.system) / 1000;
        if (ms > worst.ms) worst = { ms, cpuMs, answer };
        worstCpuMs = Math.max(worstCpuMs, cpuMs);
      }
      worstMs = Math.max(worstMs, worst.ms);
      rows.push(`| ${name} | ${size.toLocaleString("en")} | ${worst.answer} | ${worst.ms.toFixed(0)} | ${worst.cpuMs.toFixed(0)} |`);
    }
    process.stdout.write(`\n| query | bytes | answer | ms (slowest of 3) | CPU ms |\n|---|---|---|---|---|\n${rows.join("\n")}\n`);
    process.stdout.write(`Worst: ${worstMs.toFixed(0)} ms wall, ${worstCpuMs.toFixed(0)} ms CPU\n`);
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
