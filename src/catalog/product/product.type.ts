import { Directive, Field, ID, ObjectType } from "type-graphql";
import { connectionTypes } from "../../shared/pagination";

@Directive(`@key(fields: "id")`)
@ObjectType({ description: "A product of the catalog, identified by its GTIN" })
export class Product {
  @Field(() => ID, { description: "Unique id" })
  id!: string;

  @Field({ description: "GTIN/EAN: 8, 12, 13 or 14 digits with a valid check digit" })
  gtin!: string;

  @Field({ description: "Display name" })
  name!: string;
}

export const ProductConnection = connectionTypes("Product", Product);
