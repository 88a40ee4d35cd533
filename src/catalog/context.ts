import { byIdLoader } from "../shared/loaders";
import type { Principal } from "../shared/principal";
import type { ProductService } from "./product/product.service";

export interface CatalogServices {
  products: ProductService;
}

/** Per-request loaders of the catalog subgraph. */
export const createCatalogLoaders = (services: CatalogServices) => ({
  productById: byIdLoader((ids) => services.products.findByIds(ids)),
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
