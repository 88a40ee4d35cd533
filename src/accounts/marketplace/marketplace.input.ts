import { Field, InputType } from "type-graphql";

@InputType()
export class CreateMarketplaceInput {
  @Field()
  name!: string;
}
