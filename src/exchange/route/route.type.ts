import { Field, ID, InputType, ObjectType } from "type-graphql";
import { QuantityPolicyEnum } from "../enums";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import type { QuantityPolicy } from "../rules/types";

@ObjectType("ForwardingRoute", { description: "A route along which one marketplace forwards offers to another" })
export class ForwardingRouteType {
  @Field(() => MarketplaceRef, { description: "The upstream marketplace, which forwards" })
  from!: MarketplaceRef;

  @Field(() => MarketplaceRef, { description: "The downstream marketplace, which receives" })
  to!: MarketplaceRef;

  @Field({ description: "false once closed: offers forwarded along it are unavailable (ROUTE_CLOSED)" })
  active!: boolean;

  @Field({ description: "Whether offers listed upstream are forwarded along it without forwardOffer" })
  autoForward!: boolean;

  @Field(() => QuantityPolicyEnum, { description: "The quantity forwarded offers show downstream" })
  quantityPolicy!: QuantityPolicy;

  @Field({ description: "When the route was first opened" })
  createdAt!: Date;
}

@InputType({ description: "The route to open" })
export class OpenRouteInput {
  @Field(() => ID, { description: "The upstream marketplace, which forwards" })
  fromMarketplaceId!: string;

  @Field(() => ID, { description: "The downstream marketplace, which receives" })
  toMarketplaceId!: string;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: "Whether offers listed upstream are forwarded along it without forwardOffer" })
  autoForward?: boolean | null;

  @Field(() => QuantityPolicyEnum, { nullable: true, defaultValue: "SELLER_GATED", description: "The quantity forwarded offers show downstream" })
  quantityPolicy?: QuantityPolicy | null;
}
