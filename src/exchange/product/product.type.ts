import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The catalog subgraph's Product, extended here with its offers. */
@Directive(`@key(fields: "id")`)
@ObjectType("Product", { description: "A product of the catalog, identified by its GTIN" })
export class ProductRef {
  @Field(() => ID, { description: "Unique id" })
  id!: string;
}
