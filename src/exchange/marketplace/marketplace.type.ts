import { Directive, Field, ID, InputType, ObjectType } from "type-graphql";

/** The accounts subgraph's Marketplace, extended here with its settings, sellers, routes and offers. */
@Directive(`@key(fields: "id")`)
@ObjectType("Marketplace", { description: "A marketplace: it lists offers from affiliated sellers and from upstream marketplaces, and may forward them downstream" })
export class MarketplaceRef {
  @Field(() => ID, { description: "Unique id" })
  id!: string;
}

@InputType({ description: "The settings to change; omitted ones stay as they are" })
export class ConfigureMarketplaceInput {
  @Field(() => ID, { description: "The marketplace to configure" })
  marketplaceId!: string;

  @Field(() => Boolean, { nullable: true, description: "omitted: unchanged" })
  requireStockToForward?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "omitted: unchanged" })
  autoApprove?: boolean | null;
}
