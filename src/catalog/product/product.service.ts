import { requireAdmin } from "../../shared/auth";
import { BadUserInputError } from "../../shared/errors";
import { parsePage, toConnection, type Connection } from "../../shared/pagination";
import type { Principal } from "../../shared/principal";
import { validateName } from "../../shared/validation";
import { isValidGtin, normalizeGtin } from "./gtin";
import type { Product, ProductRepository } from "./product.repository";

function checkedGtin(gtin: string): string {
  if (!isValidGtin(gtin)) {
    throw new BadUserInputError(`"${gtin}" is not a valid GTIN (8, 12, 13 or 14 digits with a valid check digit)`, {
      field: "gtin",
    });
  }
  return normalizeGtin(gtin);
}

/** The catalog: one product per GTIN. */
export class ProductService {
  constructor(private readonly products: ProductRepository) {}

  async create(principal: Principal | null, input: { gtin: string; name: string }): Promise<Product> {
    requireAdmin(principal);
    const gtin14 = checkedGtin(input.gtin);
    return this.products.create({ gtin: input.gtin, gtin14, name: validateName(input.name) });
  }

  /** Exactly one of id and gtin (BAD_USER_INPUT otherwise); null when nothing matches. */
  async find(
    args: { id?: string | null; gtin?: string | null },
    byId: (id: string) => Promise<Product | null>,
    byGtin14: (gtin14: string) => Promise<Product | null> = (g) => this.products.findByGtin14(g),
  ) {
    const hasId = args.id != null;
    const hasGtin = args.gtin != null;
    if (hasId === hasGtin) throw new BadUserInputError('Give exactly one of "id" and "gtin"');
    return hasId ? byId(args.id!) : byGtin14(checkedGtin(args.gtin!));
  }

  /** Products by normalized GTIN (a request that names many, a CSV import's batch, takes one query). */
  async findByGtin14s(gtin14s: readonly string[]): Promise<(Product & { gtin14: string })[]> {
    return this.products.findByGtin14s(gtin14s);
  }

  /** `search`: 1 to 200 characters, matched in names (any case) and GTINs (BAD_USER_INPUT otherwise). */
  async list(args: { first?: number | null; after?: string | null; search?: string | null }): Promise<Connection<Product>> {
    const page = parsePage(args);
    const search = args.search?.trim();
    if (args.search != null && (!search || search.length > 200)) {
      throw new BadUserInputError('"search" must be 1 to 200 characters', { argument: "search" });
    }
    const { rows, total } = await this.products.page(page, search);
    return toConnection(rows, page, (p) => p.id, total);
  }

  findByIds(ids: readonly string[]): Promise<Product[]> {
    return this.products.findByIds(ids);
  }
}
