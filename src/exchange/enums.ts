import { registerEnumType } from "type-graphql";
import type { OfferEventType, OfferStatus, QuantityPolicy, UnavailableReason } from "./rules/types";

const values = <T extends string>(...names: T[]) => Object.fromEntries(names.map((n) => [n, n])) as { [K in T]: K };

/** The exchange's GraphQL enums, spelled as the contract spells them. */
export const OfferStatusEnum = values<OfferStatus>("PENDING", "ACTIVE", "DENIED", "WITHDRAWN");
export const UnavailableReasonEnum = values<UnavailableReason>(
  "WITHDRAWN",
  "DENIED",
  "PENDING_APPROVAL",
  "ROUTE_CLOSED",
  "UPSTREAM_UNAVAILABLE",
  "SELLER_OUT_OF_STOCK",
  "FORWARDER_OUT_OF_STOCK",
);
export const QuantityPolicyEnum = values<QuantityPolicy>("SELLER_GATED", "MIN_OF_CHAIN", "FORWARDER_OWN");
export const OfferEventTypeEnum = values<OfferEventType>("PENDING_REVIEW", "ELIGIBLE", "UPDATED", "INELIGIBLE", "WITHDRAWN");
export const ReviewDecisionEnum = values<"APPROVE" | "DENY">("APPROVE", "DENY");

registerEnumType(OfferStatusEnum, {
  name: "OfferStatus",
  description: "Where an offer stands with the marketplace that lists it",
  valuesConfig: {
    PENDING: { description: "Awaiting review by the marketplace that lists it" },
    ACTIVE: { description: "Approved (or auto-approved): listed, and available while every gate is open" },
    DENIED: { description: "Refused by the marketplace that lists it" },
    WITHDRAWN: { description: "Withdrawn by withdrawOffer; submitting the offer again reopens it" },
  },
});
registerEnumType(UnavailableReasonEnum, {
  name: "UnavailableReason",
  description: "Why an offer cannot be sold here now",
  valuesConfig: {
    WITHDRAWN: { description: "The offer was withdrawn" },
    DENIED: { description: "The marketplace that lists it refused it" },
    PENDING_APPROVAL: { description: "The offer awaits review by the marketplace that lists it" },
    ROUTE_CLOSED: { description: "The route it was forwarded along is closed" },
    UPSTREAM_UNAVAILABLE: { description: "The upstream offer it was forwarded from is unavailable" },
    SELLER_OUT_OF_STOCK: { description: "The origin seller has none of the product in stock" },
    FORWARDER_OUT_OF_STOCK: { description: "A marketplace on the path has none in stock where its stock gate or the quantity policy requires it" },
  },
});
registerEnumType(QuantityPolicyEnum, {
  name: "QuantityPolicy",
  description: "The quantity that offers forwarded along a route show downstream",
  valuesConfig: {
    SELLER_GATED: { description: "Downstream sees the seller's quantity, while every gate is open (default)" },
    MIN_OF_CHAIN: { description: "The smaller of the upstream quantity and the forwarder's own stock" },
    FORWARDER_OWN: { description: "The forwarder's own stock" },
  },
});
registerEnumType(OfferEventTypeEnum, {
  name: "OfferEventType",
  description: "What happened to an offer in a marketplace's feed",
  valuesConfig: {
    PENDING_REVIEW: { description: "An offer arrived here and awaits this marketplace's review" },
    ELIGIBLE: { description: "An offer here became available (new, approved, restocked, reopened...)" },
    UPDATED: { description: "An available offer here changed price or quantity and stays available" },
    INELIGIBLE: { description: "An available offer here became unavailable (not by withdrawal)" },
    WITHDRAWN: { description: "An offer here was withdrawn" },
  },
});
registerEnumType(ReviewDecisionEnum, {
  name: "ReviewDecision",
  description: "The decision on a PENDING offer",
  valuesConfig: {
    APPROVE: { description: "The offer becomes ACTIVE" },
    DENY: { description: "The offer becomes DENIED" },
  },
});
