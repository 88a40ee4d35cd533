import { Field, ID, Int, ObjectType } from "type-graphql";
import { PageInfo } from "../../shared/pagination";
import { OfferEventTypeEnum, UnavailableReasonEnum } from "../enums";
import { OfferType } from "../offer/offer.type";
import type { OfferEventType, UnavailableReason } from "../rules/types";

@ObjectType("OfferEvent")
export class OfferEventObject {
  @Field({ description: "opaque; unique within one marketplace's feed" })
  cursor!: string;

  @Field(() => OfferEventTypeEnum)
  type!: OfferEventType;

  @Field(() => ID)
  marketplaceId!: string;

  @Field(() => ID)
  offerId!: string;

  @Field(() => OfferType, { description: "the offer as it is now" })
  offer!: OfferType;

  @Field()
  available!: boolean;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int)
  price!: number;

  @Field(() => UnavailableReasonEnum, { nullable: true })
  unavailableReason!: UnavailableReason | null;

  @Field()
  occurredAt!: Date;
}

@ObjectType("OfferEventEdge")
export class OfferEventEdge {
  @Field()
  cursor!: string;

  @Field(() => OfferEventObject)
  node!: OfferEventObject;
}

@ObjectType("OfferEventConnection")
export class OfferEventConnection {
  @Field(() => [OfferEventEdge])
  edges!: OfferEventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
