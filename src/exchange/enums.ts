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

registerEnumType(OfferStatusEnum, { name: "OfferStatus" });
registerEnumType(UnavailableReasonEnum, { name: "UnavailableReason" });
registerEnumType(QuantityPolicyEnum, { name: "QuantityPolicy" });
registerEnumType(OfferEventTypeEnum, { name: "OfferEventType" });
registerEnumType(ReviewDecisionEnum, { name: "ReviewDecision" });
