import { Directive, Field, ID, ObjectType } from "type-graphql";
import { connectionTypes } from "../../shared/pagination";

@Directive(`@key(fields: "id")`)
@ObjectType({ description: "A seller: it owns stock and submits offers to the marketplaces it is affiliated with" })
export class Seller {
  @Field(() => ID, { description: "Unique id" })
  id!: string;

  @Field({ description: "Display name" })
  name!: string;

  @Field({ description: "When it was created" })
  createdAt!: Date;
}

export const SellerConnection = connectionTypes("Seller", Seller);

@ObjectType({ description: "The result of createSeller" })
export class CreateSellerPayload {
  @Field(() => Seller, { description: "The new seller" })
  seller!: Seller;

  @Field({ description: "The seller's API key, returned this once and stored only as a hash" })
  apiKey!: string;
}
