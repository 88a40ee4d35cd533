import { requireAdminOr } from "../../shared/auth";
import type { Principal } from "../../shared/principal";
import type { EntityDirectory } from "../directory/entity-directory";
import type { Affiliation, AffiliationRepository } from "./affiliation.repository";

/** Which sellers may submit offers to which marketplaces; decided by the marketplace. */
export class AffiliationService {
  constructor(
    private readonly affiliations: AffiliationRepository,
    private readonly directory: EntityDirectory,
  ) {}

  async affiliate(principal: Principal | null, sellerId: string, marketplaceId: string): Promise<Affiliation> {
    requireAdminOr(principal, { kind: "MARKETPLACE", id: marketplaceId });
    await Promise.all([this.directory.require("Seller", sellerId), this.directory.require("Marketplace", marketplaceId)]);
    return this.affiliations.ensure(sellerId, marketplaceId);
  }

  bySellers(ids: readonly string[]): Promise<Affiliation[]> {
    return this.affiliations.bySellers(ids);
  }

  byMarketplaces(ids: readonly string[]): Promise<Affiliation[]> {
    return this.affiliations.byMarketplaces(ids);
  }
}
