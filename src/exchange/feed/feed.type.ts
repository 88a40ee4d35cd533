import { Field, ID, Int, ObjectType } from "type-graphql";
import { PageInfo } from "../../shared/pagination";
import { OfferEventTypeEnum, UnavailableReasonEnum } from "../enums";
import { OfferType } from "../offer/offer.type";
import type { OfferEventType, UnavailableReason } from "../rules/types";

@ObjectType("OfferEvent", { description: "Something that happened to an offer listed at a marketplace, in that marketplace's durable feed" })
export class OfferEventObject {
  @Field({ description: "opaque; unique within one marketplace's feed" })
  cursor!: string;

  @Field(() => OfferEventTypeEnum, { description: "What happened" })
  type!: OfferEventType;

  @Field(() => ID, { description: "The marketplace whose feed this is" })
  marketplaceId!: string;

  @Field(() => ID, { description: "The offer it happened to" })
  offerId!: string;

  @Field(() => OfferType, { description: "the offer as it is now" })
  offer!: OfferType;

  @Field({ description: "Whether the offer was available when the event happened" })
  available!: boolean;

  @Field(() => Int, { description: "The offer's quantity when the event happened" })
  quantity!: number;

  @Field(() => Int, { description: "The offer's price when the event happened" })
  price!: number;

  @Field(() => UnavailableReasonEnum, { nullable: true, description: "Why the offer was unavailable when the event happened; null when it was available" })
  unavailableReason!: UnavailableReason | null;

  @Field({ description: "When it happened" })
  occurredAt!: Date;
}

@ObjectType("OfferEventEdge", { description: "One event in a page of the feed, with its cursor" })
export class OfferEventEdge {
  @Field({ description: "Opaque; pass as `after` to continue after this event" })
  cursor!: string;

  @Field(() => OfferEventObject, { description: "The event" })
  node!: OfferEventObject;
}

@ObjectType("OfferEventConnection", { description: "A page of a marketplace's feed" })
export class OfferEventConnection {
  @Field(() => [OfferEventEdge], { description: "The events of this page, oldest first" })
  edges!: OfferEventEdge[];

  @Field(() => PageInfo, { description: "Where this page ends and whether more follow" })
  pageInfo!: PageInfo;
}
