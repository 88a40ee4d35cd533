import { Directive, Field, ID, ObjectType } from "type-graphql";
import { connectionTypes } from "../../shared/pagination";

@Directive(`@key(fields: "id")`)
@ObjectType()
export class Seller {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;
}

export const SellerConnection = connectionTypes("Seller", Seller);

@ObjectType()
export class CreateSellerPayload {
  @Field(() => Seller)
  seller!: Seller;

  @Field()
  apiKey!: string;
}
