import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The accounts subgraph's Seller, extended here with its affiliations and offers. */
@Directive(`@key(fields: "id")`)
@ObjectType("Seller", { description: "A seller: it owns stock and submits offers to the marketplaces it is affiliated with" })
export class SellerRef {
  @Field(() => ID, { description: "Unique id" })
  id!: string;
}
