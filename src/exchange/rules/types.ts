/** The vocabulary of the exchange's rules, shared by the pure functions and the services. */
export type OfferStatus = "PENDING" | "ACTIVE" | "DENIED" | "WITHDRAWN";

export type UnavailableReason =
  | "WITHDRAWN"
  | "DENIED"
  | "PENDING_APPROVAL"
  | "ROUTE_CLOSED"
  | "UPSTREAM_UNAVAILABLE"
  | "SELLER_OUT_OF_STOCK"
  | "FORWARDER_OUT_OF_STOCK";

export type QuantityPolicy = "SELLER_GATED" | "MIN_OF_CHAIN" | "FORWARDER_OWN";

export type OfferEventType = "PENDING_REVIEW" | "ELIGIBLE" | "UPDATED" | "INELIGIBLE" | "WITHDRAWN";

/** What an offer shows about being sellable: `unavailableReason` is null exactly when available. */
export interface Availability {
  available: boolean;
  quantity: number;
  unavailableReason: UnavailableReason | null;
}
