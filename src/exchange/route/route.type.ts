import { Field, ID, InputType, ObjectType } from "type-graphql";
import { QuantityPolicyEnum } from "../enums";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import type { QuantityPolicy } from "../rules/types";

@ObjectType("ForwardingRoute")
export class ForwardingRouteType {
  @Field(() => MarketplaceRef)
  from!: MarketplaceRef;

  @Field(() => MarketplaceRef)
  to!: MarketplaceRef;

  @Field()
  active!: boolean;

  @Field()
  autoForward!: boolean;

  @Field(() => QuantityPolicyEnum)
  quantityPolicy!: QuantityPolicy;

  @Field()
  createdAt!: Date;
}

@InputType()
export class OpenRouteInput {
  @Field(() => ID)
  fromMarketplaceId!: string;

  @Field(() => ID)
  toMarketplaceId!: string;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  autoForward?: boolean | null;

  @Field(() => QuantityPolicyEnum, { nullable: true, defaultValue: "SELLER_GATED" })
  quantityPolicy?: QuantityPolicy | null;
}
