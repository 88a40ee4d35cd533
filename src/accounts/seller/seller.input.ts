import { Field, InputType } from "type-graphql";

@InputType({ description: "The new seller" })
export class CreateSellerInput {
  @Field({ description: "Display name" })
  name!: string;
}
