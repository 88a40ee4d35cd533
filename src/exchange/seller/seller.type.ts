import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The accounts subgraph's Seller, extended here with its affiliations and offers. */
@Directive(`@key(fields: "id")`)
@ObjectType("Seller")
export class SellerRef {
  @Field(() => ID)
  id!: string;
}
