import { Field, ID, ObjectType, registerEnumType } from "type-graphql";

export enum PrincipalKindEnum {
  ADMIN = "ADMIN",
  SELLER = "SELLER",
  MARKETPLACE = "MARKETPLACE",
}
registerEnumType(PrincipalKindEnum, {
  name: "PrincipalKind",
  description: "What kind of account an API key belongs to",
  valuesConfig: {
    ADMIN: { description: "An administrator: may do anything" },
    SELLER: { description: "A seller" },
    MARKETPLACE: { description: "A marketplace" },
  },
});

@ObjectType("Principal", { description: "The account an API key belongs to" })
export class PrincipalType {
  @Field(() => PrincipalKindEnum, { description: "What kind of account it is" })
  kind!: PrincipalKindEnum;

  @Field(() => ID, { nullable: true, description: "The seller's or marketplace's id; null for ADMIN" })
  id!: string | null;
}
