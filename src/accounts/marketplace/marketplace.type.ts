import { Directive, Field, ID, ObjectType } from "type-graphql";
import { connectionTypes } from "../../shared/pagination";

@Directive(`@key(fields: "id")`)
@ObjectType()
export class Marketplace {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;
}

export const MarketplaceConnection = connectionTypes("Marketplace", Marketplace);

@ObjectType()
export class CreateMarketplacePayload {
  @Field(() => Marketplace)
  marketplace!: Marketplace;

  @Field()
  apiKey!: string;
}
