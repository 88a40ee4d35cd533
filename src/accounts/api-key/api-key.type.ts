import { Field, ObjectType } from "type-graphql";
import { PrincipalType } from "../viewer/principal.type";

@ObjectType({ description: "The result of rotateApiKey" })
export class RotateApiKeyPayload {
  @Field(() => PrincipalType, { description: "The account whose key was replaced" })
  account!: PrincipalType;

  @Field({ description: "The new API key, shown this once; every earlier key of the account is refused from now on" })
  apiKey!: string;
}
