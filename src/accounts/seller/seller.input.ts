import { Field, InputType } from "type-graphql";

@InputType()
export class CreateSellerInput {
  @Field()
  name!: string;
}
