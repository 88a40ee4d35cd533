import type { Availability, OfferEventType, OfferStatus } from "./types";

/** What an offer shows, for deciding which feed event a change is. */
export interface VisibleState extends Availability {
  status: OfferStatus;
  price: number;
  currency: string;
}

/**
 * The feed event a transition emits at the offer's marketplace, or null when
 * it emits none (SEMANTICS.md, "The offer feed"). `before` is null for a new offer.
 */
export function feedEventFor(before: VisibleState | null, after: VisibleState): OfferEventType | null {
  if (after.status === "PENDING" && before?.status !== "PENDING") return "PENDING_REVIEW";
  if (after.status === "WITHDRAWN") return before && before.status !== "WITHDRAWN" ? "WITHDRAWN" : null;
  const wasAvailable = before?.available ?? false;
  if (!wasAvailable && after.available) return "ELIGIBLE";
  if (wasAvailable && !after.available) return "INELIGIBLE";
  if (
    wasAvailable &&
    after.available &&
    (before!.price !== after.price || before!.currency !== after.currency || before!.quantity !== after.quantity)
  ) {
    return "UPDATED";
  }
  return null;
}

/** True when anything the offer shows changed: the offer's `version` moves exactly then. */
export const visibleChange = (before: VisibleState, after: VisibleState): boolean =>
  before.status !== after.status ||
  before.price !== after.price ||
  before.currency !== after.currency ||
  before.available !== after.available ||
  before.quantity !== after.quantity ||
  before.unavailableReason !== after.unavailableReason;
