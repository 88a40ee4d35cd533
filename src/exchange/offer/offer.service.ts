import { requireAdminOr, requirePrincipal } from "../../shared/auth";
import { BadUserInputError, NotAffiliatedError, NotFoundError } from "../../shared/errors";
import { parsePage, toConnection, type Connection } from "../../shared/pagination";
import type { Principal } from "../../shared/principal";
import type { AffiliationRepository } from "../affiliation/affiliation.repository";
import type { EntityDirectory } from "../directory/entity-directory";
import type { SettingsRepository } from "../marketplace/settings.repository";
import type { ForwardingService } from "./forwarding.service";
import type { OfferRecord } from "./offer.model";
import type { OfferPropagation } from "./offer.propagation";
import type { OfferFilter, OfferRepository } from "./offer.repository";
import { draftSubmitted, resubmission, submittedKey, type SubmitOfferInput } from "./offer.submission";
import { toOfferView, type OfferView } from "./offer.view";

export type { SubmitOfferInput } from "./offer.submission";

const CURRENCY = /^[A-Z]{3}$/;

export function validatePriceAndCurrency(price: number, currency: string): void {
  if (!Number.isInteger(price) || price < 0) {
    throw new BadUserInputError('"price" must be an integer ≥ 0 (minor units)', { field: "price" });
  }
  if (!CURRENCY.test(currency)) {
    throw new BadUserInputError('"currency" must be three capital letters (ISO 4217)', { field: "currency" });
  }
}

/** Offers: submission, review, withdrawal, forwarding, and reads; each returns offers as the API shows them. */
export class OfferService {
  constructor(
    private readonly offers: OfferRepository,
    private readonly affiliations: AffiliationRepository,
    private readonly settings: SettingsRepository,
    private readonly forwarding: ForwardingService,
    private readonly propagation: OfferPropagation,
    private readonly directory: EntityDirectory,
  ) {}

  /** Creates or updates the one offer of (seller, marketplace, product); the same values again change nothing. */
  async submit(principal: Principal | null, input: SubmitOfferInput): Promise<OfferView> {
    return toOfferView(await this.submitRecord(principal, input));
  }

  private async submitRecord(principal: Principal | null, input: SubmitOfferInput): Promise<OfferRecord> {
    requireAdminOr(principal, { kind: "SELLER", id: input.sellerId });
    await Promise.all([
      this.directory.require("Seller", input.sellerId),
      this.directory.require("Marketplace", input.marketplaceId),
      this.directory.require("Product", input.productId),
    ]);
    validatePriceAndCurrency(input.price, input.currency);
    if (!(await this.affiliations.exists(input.sellerId, input.marketplaceId))) {
      throw new NotAffiliatedError(`Seller ${input.sellerId} is not affiliated with marketplace ${input.marketplaceId}`, {
        sellerId: input.sellerId,
        marketplaceId: input.marketplaceId,
      });
    }
    const { autoApprove } = await this.settings.get(input.marketplaceId);
    for (;;) {
      const [existing] = await this.offers.findByKeys([submittedKey(input)]);
      if (existing) return this.resubmit(existing, input, autoApprove);
      const created = await this.propagation.insert(draftSubmitted(input, autoApprove));
      if (created) return created;
      // A concurrent submit created it: update that one.
    }
  }

  private async resubmit(existing: OfferRecord, input: SubmitOfferInput, autoApprove: boolean): Promise<OfferRecord> {
    const changes = resubmission(input, autoApprove);
    if (changes(existing) === null) return existing;
    const written = await this.propagation.settle({ cause: "offers", ids: [existing._id], change: changes });
    return written.get(existing._id) ?? existing;
  }

  /** PENDING → ACTIVE or DENIED, by the marketplace that lists the offer. */
  async review(principal: Principal | null, offerId: string, decision: "APPROVE" | "DENY"): Promise<OfferView> {
    const offer = await this.listedOffer(principal, offerId, false);
    if (offer.status !== "PENDING") {
      throw new BadUserInputError(`Offer ${offerId} is ${offer.status}; only a PENDING offer can be reviewed`, {
        status: offer.status,
      });
    }
    const written = await this.propagation.settle({
      cause: "offers",
      ids: [offerId],
      change: (o) => {
        if (o.status !== "PENDING") {
          throw new BadUserInputError(`Offer ${offerId} is ${o.status}; only a PENDING offer can be reviewed`);
        }
        return { status: decision === "APPROVE" ? "ACTIVE" : "DENIED" };
      },
    });
    return toOfferView(written.get(offerId)!);
  }

  /** Withdraws an offer; withdrawing a withdrawn offer returns it unchanged. */
  async withdraw(principal: Principal | null, offerId: string): Promise<OfferView> {
    const offer = await this.listedOffer(principal, offerId, true);
    if (offer.status === "WITHDRAWN") return toOfferView(offer);
    const written = await this.propagation.settle({
      cause: "offers",
      ids: [offerId],
      change: (o) => (o.status === "WITHDRAWN" ? null : { status: "WITHDRAWN" }),
    });
    return toOfferView(written.get(offerId)!);
  }

  async forward(principal: Principal | null, offerId: string, toMarketplaceId: string): Promise<OfferView> {
    const plan = await this.forwarding.check(principal, offerId, toMarketplaceId);
    return toOfferView(await this.propagation.forward(plan));
  }

  /** The offer, after checking the caller is the admin, the listing marketplace, or (when allowed) the origin seller. */
  private async listedOffer(principal: Principal | null, offerId: string, sellerMay: boolean): Promise<OfferRecord> {
    requirePrincipal(principal);
    const offer = await this.offers.findById(offerId);
    if (!offer) throw new NotFoundError("offer", offerId);
    requireAdminOr(
      principal,
      { kind: "MARKETPLACE", id: offer.marketplaceId },
      ...(sellerMay ? [{ kind: "SELLER" as const, id: offer.sellerId }] : []),
    );
    return offer;
  }

  /** An offers connection under a filter: `offers`, and the `offers` fields of sellers, marketplaces and products. */
  async list(filter: OfferFilter, args: { first?: number | null; after?: string | null }): Promise<Connection<OfferView>> {
    const page = parsePage(args);
    const { rows, total } = await this.offers.page(filter, page);
    return toConnection(rows.map(toOfferView), page, (o) => o.id, total);
  }

  async findByIds(ids: readonly string[]): Promise<OfferView[]> {
    return (await this.offers.findByIds(ids)).map(toOfferView);
  }

  /** The offers forwarded from these, each source's in id order. */
  async forwardsOf(ids: readonly string[]): Promise<OfferView[]> {
    return (await this.offers.childrenOf(ids)).map(toOfferView).sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}
