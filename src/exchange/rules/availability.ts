import { isGateOpen, type Forwarder } from "./gate";
import type { Availability, OfferStatus, QuantityPolicy, UnavailableReason } from "./types";

/** The facts a direct offer's availability depends on. */
export interface DirectOfferFacts {
  status: OfferStatus;
  sellerStock: number;
}

/** The facts a forwarded offer's availability depends on (SEMANTICS.md, "Availability and quantity"). */
export interface ForwardedOfferFacts {
  status: OfferStatus;
  route: { active: boolean; quantityPolicy: QuantityPolicy } | null;
  source: Availability;
  forwarder: Forwarder;
}

const unavailable = (reason: UnavailableReason): Availability => ({
  available: false,
  quantity: 0,
  unavailableReason: reason,
});

const available = (quantity: number): Availability => ({ available: true, quantity, unavailableReason: null });

const STATUS_REASON: Record<Exclude<OfferStatus, "ACTIVE">, UnavailableReason> = {
  WITHDRAWN: "WITHDRAWN",
  DENIED: "DENIED",
  PENDING: "PENDING_APPROVAL",
};

/** Rule 1 of both lists: a status other than ACTIVE decides alone. */
const statusReason = (status: OfferStatus): UnavailableReason | null =>
  status === "ACTIVE" ? null : STATUS_REASON[status];

export function evaluateDirectOffer(facts: DirectOfferFacts): Availability {
  const byStatus = statusReason(facts.status);
  if (byStatus) return unavailable(byStatus);
  if (facts.sellerStock <= 0) return unavailable("SELLER_OUT_OF_STOCK");
  return available(facts.sellerStock);
}

/** q(U) and s(F) combined by the route's policy. */
export function policyQuantity(policy: QuantityPolicy, upstreamQuantity: number, forwarderStock: number): number {
  switch (policy) {
    case "SELLER_GATED":
      return upstreamQuantity;
    case "MIN_OF_CHAIN":
      return Math.min(upstreamQuantity, forwarderStock);
    case "FORWARDER_OWN":
      return forwarderStock;
  }
}

/** The first reason that applies, in the contract's order; else available with the policy's quantity. */
export function evaluateForwardedOffer(facts: ForwardedOfferFacts): Availability {
  const byStatus = statusReason(facts.status);
  if (byStatus) return unavailable(byStatus);
  if (!facts.route || !facts.route.active) return unavailable("ROUTE_CLOSED");
  if (!facts.source.available) {
    const upstream = facts.source.unavailableReason;
    return unavailable(
      upstream === "SELLER_OUT_OF_STOCK" || upstream === "FORWARDER_OUT_OF_STOCK" ? upstream : "UPSTREAM_UNAVAILABLE",
    );
  }
  if (!isGateOpen(facts.forwarder)) return unavailable("FORWARDER_OUT_OF_STOCK");
  const stock = Math.max(0, facts.forwarder.stock);
  const quantity = policyQuantity(facts.route.quantityPolicy, facts.source.quantity, stock);
  if (quantity <= 0) return unavailable("FORWARDER_OUT_OF_STOCK");
  return available(quantity);
}
