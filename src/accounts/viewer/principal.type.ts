import { Field, ID, ObjectType, registerEnumType } from "type-graphql";

export enum PrincipalKindEnum {
  ADMIN = "ADMIN",
  SELLER = "SELLER",
  MARKETPLACE = "MARKETPLACE",
}
registerEnumType(PrincipalKindEnum, { name: "PrincipalKind" });

@ObjectType("Principal")
export class PrincipalType {
  @Field(() => PrincipalKindEnum)
  kind!: PrincipalKindEnum;

  @Field(() => ID, { nullable: true })
  id!: string | null;
}
