import { isDuplicateKey } from "../../shared/mongo";
import { affiliationKey, type AffiliationModel, type AffiliationRecord } from "./affiliation.model";

export interface Affiliation {
  sellerId: string;
  marketplaceId: string;
  createdAt: Date;
}

const toAffiliation = (r: AffiliationRecord): Affiliation => ({
  sellerId: r.sellerId,
  marketplaceId: r.marketplaceId,
  createdAt: r.createdAt,
});

export class AffiliationRepository {
  constructor(private readonly model: AffiliationModel) {}

  /** Creates the affiliation, or returns the one that exists: affiliating again changes nothing. */
  async ensure(sellerId: string, marketplaceId: string): Promise<Affiliation> {
    const record: AffiliationRecord = { _id: affiliationKey(sellerId, marketplaceId), sellerId, marketplaceId, createdAt: new Date() };
    try {
      await this.model.create(record);
      return toAffiliation(record);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.model.findById(record._id).lean<AffiliationRecord>();
      return toAffiliation(existing!);
    }
  }

  async exists(sellerId: string, marketplaceId: string): Promise<boolean> {
    return (await this.model.countDocuments({ _id: affiliationKey(sellerId, marketplaceId) })) > 0;
  }

  /** Which of these (seller, marketplace) pairs are affiliated, as `affiliationKey`s, in one query. */
  async existing(pairs: readonly { sellerId: string; marketplaceId: string }[]): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const keys = [...new Set(pairs.map((p) => affiliationKey(p.sellerId, p.marketplaceId)))];
    const rows = await this.model.find({ _id: { $in: keys } }, { _id: 1 }).lean<{ _id: string }[]>();
    return new Set(rows.map((r) => r._id));
  }

  async bySellers(sellerIds: readonly string[]): Promise<Affiliation[]> {
    const rows = await this.model.find({ sellerId: { $in: sellerIds } }).sort({ createdAt: 1, _id: 1 }).lean<AffiliationRecord[]>();
    return rows.map(toAffiliation);
  }

  async byMarketplaces(marketplaceIds: readonly string[]): Promise<Affiliation[]> {
    const rows = await this.model
      .find({ marketplaceId: { $in: marketplaceIds } })
      .sort({ createdAt: 1, _id: 1 })
      .lean<AffiliationRecord[]>();
    return rows.map(toAffiliation);
  }
}
