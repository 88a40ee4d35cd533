import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema } from "graphql";
import { canonicalSdl, generateSchemaFiles, SCHEMA_DIR, type SchemaFiles } from "../../src/tools/write-schema";

/**
 * The committed `schema/*.graphql` must be exactly what the code produces:
 * clients, codegen and separate-process deployments read those files.
 */
let generated: SchemaFiles;
beforeAll(async () => {
  generated = await generateSchemaFiles();
});

const committed = (): string[] => readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".graphql")).sort();

describe("committed schema", () => {
  it("has exactly the generated files", () => {
    const want = Object.keys(generated).sort();
    if (committed().join() !== want.join()) {
      throw new Error(`schema/ holds [${committed().join(", ")}] but the code produces [${want.join(", ")}]: run \`npm run schema\``);
    }
  });

  it("matches what the code produces, file by file", () => {
    const stale = Object.entries(generated)
      .filter(([name, content]) => {
        try {
          return readFileSync(join(SCHEMA_DIR, name), "utf8") !== content;
        } catch {
          return true;
        }
      })
      .map(([name]) => `schema/${name}`);
    if (stale.length > 0) {
      throw new Error(`${stale.join(", ")} differ from what the code produces: run \`npm run schema\` and commit the result`);
    }
  });

  it("includes every subgraph, the supergraph and the public API", () => {
    expect(Object.keys(generated).sort()).toEqual(["accounts.graphql", "api.graphql", "catalog.graphql", "exchange.graphql", "supergraph.graphql"]);
    expect(generated["supergraph.graphql"]).toContain('@join__graph(name: "accounts", url: "http://accounts:4001/graphql")');
    expect(generated["supergraph.graphql"]).toContain('@join__graph(name: "catalog", url: "http://catalog:4002/graphql")');
    expect(generated["supergraph.graphql"]).toContain('@join__graph(name: "exchange", url: "http://exchange:4003/graphql")');
  });

  it("keeps internal fields out of the public API", () => {
    const api = buildSchema(generated["api.graphql"]!);
    expect(api.getQueryType()!.getFields()._authenticate).toBeUndefined();
    expect(api.getType("_Service")).toBeUndefined();
    expect(generated["accounts.graphql"]).toMatch(/_authenticate\(apiKey: String!\): Principal @inaccessible/);
  });
});

describe("canonicalSdl", () => {
  it("gives the same text whatever order the SDL was written in", () => {
    const a = `type Query { b(y: Int, x: Int): B a: String }\ntype B @key(fields: "id") { id: ID! name: String }\nenum E { Z A }\nscalar S`;
    const b = `scalar S\nenum E { A Z }\ntype B @key(fields: "id") { name: String id: ID! }\ntype Query { a: String b(x: Int, y: Int): B }`;
    expect(canonicalSdl(a)).toBe(canonicalSdl(b));
    expect(canonicalSdl(a)).not.toBe(canonicalSdl(a.replace("name: String", "name: String!")));
  });

  it("keeps the schema definition first and the order of directive applications", () => {
    const sdl = `type Query @b @a { x: Int }\nschema @link(url: "z") @link(url: "a") { query: Query }`;
    const out = canonicalSdl(sdl);
    expect(out.indexOf("schema")).toBe(0);
    expect(out).toContain('@link(url: "z") @link(url: "a")');
    expect(out).toContain("type Query @b @a");
  });
});
