import { AlreadyExistsError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { isDuplicateKey } from "../../shared/mongo";
import type { Page } from "../../shared/pagination";
import type { ProductModel, ProductRecord } from "./product.model";

export interface Product {
  id: string;
  gtin: string;
  name: string;
  createdAt: Date;
}

const toProduct = (r: ProductRecord): Product => ({ id: r._id, gtin: r.gtin, name: r.name, createdAt: r.createdAt });

export class ProductRepository {
  constructor(private readonly model: ProductModel) {}

  /** Inserts a product; the unique index on the 14-digit GTIN turns a duplicate into ALREADY_EXISTS. */
  async create(input: { gtin: string; gtin14: string; name: string }): Promise<Product> {
    const record: ProductRecord = { _id: newId("product"), ...input, createdAt: new Date() };
    try {
      await this.model.create(record);
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw new AlreadyExistsError(`A product with GTIN ${input.gtin} already exists`, { gtin: input.gtin });
      }
      throw error;
    }
    return toProduct(record);
  }

  async findByIds(ids: readonly string[]): Promise<Product[]> {
    const rows = await this.model.find({ _id: { $in: ids } }).lean<ProductRecord[]>();
    return rows.map(toProduct);
  }

  /** Products by normalized GTIN, in one query. */
  async findByGtin14s(gtin14s: readonly string[]): Promise<(Product & { gtin14: string })[]> {
    if (gtin14s.length === 0) return [];
    const rows = await this.model.find({ gtin14: { $in: [...new Set(gtin14s)] } }).lean<ProductRecord[]>();
    return rows.map((r) => ({ ...toProduct(r), gtin14: r.gtin14 }));
  }

  async findByGtin14(gtin14: string): Promise<Product | null> {
    const row = await this.model.findOne({ gtin14 }).lean<ProductRecord>();
    return row ? toProduct(row) : null;
  }

  /** A page in creation order; with `search`, only products whose name contains it (any case) or whose GTIN contains it (digits). */
  async page(page: Page, search?: string): Promise<{ rows: Product[]; total: number }> {
    const escaped = search?.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const match =
      escaped === undefined
        ? {}
        : { $or: [{ name: { $regex: escaped, $options: "i" } }, ...(/^\d+$/.test(search!) ? [{ gtin14: { $regex: escaped } }] : [])] };
    const filter = page.afterKey ? { ...match, _id: { $gt: page.afterKey } } : match;
    const [rows, total] = await Promise.all([
      this.model.find(filter).sort({ _id: 1 }).limit(page.first + 1).lean<ProductRecord[]>(),
      this.model.countDocuments(match),
    ]);
    return { rows: rows.map(toProduct), total };
  }
}
