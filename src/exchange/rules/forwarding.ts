import type { ErrorCode } from "../../shared/errors";
import { isGateOpen, type Forwarder } from "./gate";
import type { OfferStatus } from "./types";

export { isGateOpen } from "./gate";

/** What `forwardOffer` checks after the caller's rights (SEMANTICS.md, checks 2 to 6). */
export interface ForwardFacts {
  offer: { status: OfferStatus; path: readonly string[]; depth: number };
  targetMarketplaceId: string;
  routeActive: boolean;
  maxDepth: number;
  forwarder: Forwarder;
}

export type ForwardVerdict = { ok: true } | { ok: false; code: ErrorCode; rule: string };

/** The checks in the contract's order; the first that fails decides. */
export function checkForward(facts: ForwardFacts): ForwardVerdict {
  if (facts.offer.status !== "ACTIVE") return { ok: false, code: "OFFER_NOT_ACTIVE", rule: "offer-active" };
  if (!facts.routeActive) return { ok: false, code: "NO_ROUTE", rule: "route" };
  if (facts.offer.path.includes(facts.targetMarketplaceId)) return { ok: false, code: "FORWARD_CYCLE", rule: "cycle" };
  if (facts.offer.depth + 1 > facts.maxDepth) return { ok: false, code: "MAX_DEPTH_EXCEEDED", rule: "depth" };
  if (!isGateOpen(facts.forwarder)) return { ok: false, code: "STOCK_GATE_CLOSED", rule: "stock-gate" };
  return { ok: true };
}
