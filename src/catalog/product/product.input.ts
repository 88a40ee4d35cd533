import { Field, InputType } from "type-graphql";

@InputType({ description: "The new product" })
export class CreateProductInput {
  @Field({ description: "GTIN/EAN: 8, 12, 13 or 14 digits with a valid check digit; unique in the catalog" })
  gtin!: string;

  @Field({ description: "Display name" })
  name!: string;
}
