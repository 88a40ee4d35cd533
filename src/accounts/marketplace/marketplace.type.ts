import { Directive, Field, ID, ObjectType } from "type-graphql";
import { connectionTypes } from "../../shared/pagination";

@Directive(`@key(fields: "id")`)
@ObjectType({ description: "A marketplace: it lists offers from affiliated sellers and from upstream marketplaces, and may forward them downstream" })
export class Marketplace {
  @Field(() => ID, { description: "Unique id" })
  id!: string;

  @Field({ description: "Display name" })
  name!: string;

  @Field({ description: "When it was created" })
  createdAt!: Date;
}

export const MarketplaceConnection = connectionTypes("Marketplace", Marketplace);

@ObjectType({ description: "The result of createMarketplace" })
export class CreateMarketplacePayload {
  @Field(() => Marketplace, { description: "The new marketplace" })
  marketplace!: Marketplace;

  @Field({ description: "The marketplace's API key, returned this once and stored only as a hash" })
  apiKey!: string;
}
