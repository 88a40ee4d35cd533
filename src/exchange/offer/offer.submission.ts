import { newId } from "../../shared/ids";
import { directOfferKey, draftOffer, type OfferRecord } from "./offer.model";
import type { OfferChange } from "./offer.transition";

export interface SubmitOfferInput {
  sellerId: string;
  marketplaceId: string;
  productId: string;
  price: number;
  currency: string;
}

/** What `submitOffer` makes of its input, the single call and each bulk item alike. */
export const submittedKey = (i: SubmitOfferInput) => directOfferKey(i.sellerId, i.marketplaceId, i.productId);

/** A new direct offer, ACTIVE at once where the marketplace approves automatically, else PENDING review. */
export function draftSubmitted(input: SubmitOfferInput, autoApprove: boolean): OfferRecord {
  return draftOffer(newId("offer"), {
    key: submittedKey(input),
    sellerId: input.sellerId,
    marketplaceId: input.marketplaceId,
    productId: input.productId,
    sourceId: null,
    viaId: null,
    path: [input.sellerId, input.marketplaceId],
    depth: 0,
    price: input.price,
    currency: input.currency,
    status: autoApprove ? "ACTIVE" : "PENDING",
  });
}

/** What submitting again changes on an existing offer (a new price, a withdrawn one reopened), or null when nothing. */
export function resubmission(input: SubmitOfferInput, autoApprove: boolean) {
  return (o: OfferRecord): OfferChange | null => {
    const reopen = o.status === "WITHDRAWN";
    if (!reopen && o.price === input.price && o.currency === input.currency) return null;
    return {
      price: input.price,
      currency: input.currency,
      ...(reopen ? { status: autoApprove ? ("ACTIVE" as const) : ("PENDING" as const) } : {}),
    };
  };
}
