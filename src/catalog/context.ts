import DataLoader from "dataloader";
import { byIdLoader } from "../shared/loaders";
import type { Principal } from "../shared/principal";
import type { ProductService } from "./product/product.service";
import type { Product } from "./product/product.repository";

export interface CatalogServices {
  products: ProductService;
}

/** Per-request loaders of the catalog subgraph. */
export const createCatalogLoaders = (services: CatalogServices) => ({
  productById: byIdLoader((ids) => services.products.findByIds(ids)),
  productByGtin14: new DataLoader<string, Product | null>(async (gtin14s) => {
    const found = new Map((await services.products.findByGtin14s(gtin14s)).map(({ gtin14, ...p }) => [gtin14, p]));
    return gtin14s.map((g) => found.get(g) ?? null);
  }),
});

export interface CatalogContext {
  principal: Principal | null;
  services: CatalogServices;
  loaders: ReturnType<typeof createCatalogLoaders>;
}

export const createCatalogContext = (services: CatalogServices, principal: Principal | null): CatalogContext => ({
  principal,
  services,
  loaders: createCatalogLoaders(services),
});
