import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from "graphql";
import { SCHEMA_DIR } from "../../src/tools/write-schema";

/** Every type, field, argument, input field and enum value of the public API without a description. */
function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const need = (path: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(path);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    // Built-in scalars and introspection types carry the spec's own descriptions; federation's start with "_".
    if (isIntrospectionType(type) || isSpecifiedScalarType(type) || type.name.startsWith("_")) continue;
    const isRoot = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(type as never);
    if (!isRoot) need(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.name.startsWith("_")) continue;
        need(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) need(`${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) need(`${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing;
}

describe("public API descriptions", () => {
  it("describe every type, field, argument, input field and enum value of schema/api.graphql", () => {
    const schema = buildSchema(readFileSync(join(SCHEMA_DIR, "api.graphql"), "utf8"));
    const missing = undescribed(schema);
    if (missing.length > 0) throw new Error(`${missing.length} without a description:\n${missing.join("\n")}`);
  });

  it("notices a field without one", () => {
    const schema = buildSchema(`"""Q""" type Query { """a""" a: Int b(x: Int): Int } """E""" enum E { """X""" X Y }`);
    expect(undescribed(schema)).toEqual(["Query.b", "Query.b(x)", "E.Y"]);
  });
});
