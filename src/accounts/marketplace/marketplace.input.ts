import { Field, InputType } from "type-graphql";

@InputType({ description: "The new marketplace" })
export class CreateMarketplaceInput {
  @Field({ description: "Display name" })
  name!: string;
}
