import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { buildASTSchema, isInputObjectType, isInterfaceType, isObjectType, parse, validate, type GraphQLSchema } from "graphql";
import ts from "typescript";
import { readSupergraph, withSubgraphUrls } from "../../src/gateway/supergraph";

const ROOT = resolve(__dirname, "..", "..");
const SUBGRAPH_CODE = ["src/accounts", "src/catalog", "src/exchange"];

/** Every module of this project that `entry` reaches through its imports (relative ones; packages are not followed). */
function importGraph(entry: string): Map<string, string> {
  const reached = new Map<string, string>(); // module -> the module that imported it
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    for (const { fileName } of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
      if (!fileName.startsWith(".")) continue;
      // `import("./x.js")` (loaded lazily) names the compiled file of ./x.ts.
      const base = resolve(dirname(file), fileName.replace(/\.js$/, ""));
      const target = [`${base}.ts`, join(base, "index.ts"), base].find((f) => existsSync(f) && f.endsWith(".ts"));
      if (!target) throw new Error(`${relative(ROOT, file)}: cannot resolve ${fileName}`);
      if (reached.has(target) || target === entry) continue;
      reached.set(target, file);
      queue.push(target);
    }
  }
  return reached;
}

describe("the standalone gateway", () => {
  it("imports no subgraph code, directly or through other modules", () => {
    const graph = importGraph(join(ROOT, "src/gateway/server.ts"));
    // The walk itself works: it reaches the gateway's own modules and the shared ones.
    expect([...graph.keys()].map((f) => relative(ROOT, f))).toEqual(
      expect.arrayContaining(["src/gateway/gateway.ts", "src/gateway/supergraph.ts", "src/shared/config.ts"]),
    );
    const offending = [...graph]
      .filter(([file]) => SUBGRAPH_CODE.some((dir) => relative(ROOT, file).startsWith(`${dir}/`)))
      .map(([file, by]) => `${relative(ROOT, by)} -> ${relative(ROOT, file)}`);
    expect(offending).toEqual([]);
  });

  it("the walk does find subgraph code where it is imported (the embedded mode)", () => {
    const graph = importGraph(join(ROOT, "src/app.ts"));
    expect([...graph.keys()].some((f) => relative(ROOT, f).startsWith("src/exchange/"))).toBe(true);
  });
});

/** `Type` and `Type.field` of a schema, without federation's own. */
function coordinates(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (/^(__|_|link__|join__|FieldSet$)/.test(type.name)) continue;
    out.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))
      for (const field of Object.keys(type.getFields())) if (!field.startsWith("_")) out.push(`${type.name}.${field}`);
  }
  return out.sort();
}

describe("a supergraph read from its SDL", () => {
  const sdl = readFileSync(join(ROOT, "schema/supergraph.graphql"), "utf8");
  const supergraph = readSupergraph(sdl);

  it("names each subgraph with its URL", () => {
    expect(supergraph.subgraphs.map((s) => [s.name, s.url])).toEqual([
      ["accounts", "http://accounts:4001/graphql"],
      ["catalog", "http://catalog:4002/graphql"],
      ["exchange", "http://exchange:4003/graphql"],
    ]);
  });

  it("gives each subgraph the schema it publishes itself (what the direct-subscription path validates against)", () => {
    for (const { name, schema } of supergraph.subgraphs) {
      const own = buildASTSchema(parse(readFileSync(join(ROOT, `schema/${name}.graphql`), "utf8")), { assumeValidSDL: true });
      expect({ name, coordinates: coordinates(schema) }).toEqual({ name, coordinates: coordinates(own) });
    }
    const exchange = supergraph.subgraphs.find((s) => s.name === "exchange")!.schema;
    // The exchange alone answers the feed with the product's id, not with its name (the catalog's).
    const feed = (selection: string) => parse(`subscription { offerFeed(marketplaceId: "m") { ${selection} } }`);
    expect(validate(exchange, feed("cursor offer { id product { id } }"))).toEqual([]);
    expect(validate(exchange, feed("cursor offer { id product { name } }"))).not.toEqual([]);
  });

  it("takes other URLs by subgraph name, leaving the rest as they were", () => {
    const moved = readSupergraph(withSubgraphUrls(sdl, { catalog: "http://10.0.0.7:9000/graphql", accounts: undefined }));
    expect(moved.subgraphs.map((s) => s.url)).toEqual([
      "http://accounts:4001/graphql",
      "http://10.0.0.7:9000/graphql",
      "http://exchange:4003/graphql",
    ]);
  });

  it("refuses what is not a supergraph", () => {
    expect(() => readSupergraph("type Query { a: Int }")).toThrow(/not a supergraph/);
    expect(() => readSupergraph("type Query {")).toThrow();
  });
});
