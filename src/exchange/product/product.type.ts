import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The catalog subgraph's Product, extended here with its offers. */
@Directive(`@key(fields: "id")`)
@ObjectType("Product")
export class ProductRef {
  @Field(() => ID)
  id!: string;
}
