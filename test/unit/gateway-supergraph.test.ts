import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildASTSchema, isInputObjectType, isInterfaceType, isObjectType, parse, validate, type GraphQLSchema } from "graphql";
import { readSupergraph, withSubgraphUrls } from "../../src/gateway/supergraph";

const ROOT = resolve(__dirname, "..", "..");

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
