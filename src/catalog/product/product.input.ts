import { Field, InputType } from "type-graphql";

@InputType()
export class CreateProductInput {
  @Field()
  gtin!: string;

  @Field()
  name!: string;
}
