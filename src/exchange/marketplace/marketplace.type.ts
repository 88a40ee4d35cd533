import { Directive, Field, ID, InputType, ObjectType } from "type-graphql";

/** The accounts subgraph's Marketplace, extended here with its settings, sellers, routes and offers. */
@Directive(`@key(fields: "id")`)
@ObjectType("Marketplace")
export class MarketplaceRef {
  @Field(() => ID)
  id!: string;
}

@InputType()
export class ConfigureMarketplaceInput {
  @Field(() => ID)
  marketplaceId!: string;

  @Field(() => Boolean, { nullable: true, description: "omitted: unchanged" })
  requireStockToForward?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "omitted: unchanged" })
  autoApprove?: boolean | null;
}
