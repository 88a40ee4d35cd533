import type { Connection } from "mongoose";
import { ensureIndexes, pingMongo } from "../shared/mongo";
import type { Principal } from "../shared/principal";
import type { SubgraphServerOptions } from "../shared/subgraph-server";
import { createCatalogContext, type CatalogContext, type CatalogServices } from "./context";
import { productModel } from "./product/product.model";
import { ProductRepository } from "./product/product.repository";
import { ProductService } from "./product/product.service";
import { buildCatalogSchema } from "./schema";

/** Wires the catalog subgraph on its own connection. */
export async function createCatalogSubgraph(deps: {
  connection: Connection;
  internalSecret: string;
}): Promise<SubgraphServerOptions<CatalogContext> & { services: CatalogServices }> {
  const products = productModel(deps.connection);
  await ensureIndexes([products]);
  const services: CatalogServices = { products: new ProductService(new ProductRepository(products)) };
  return {
    name: "catalog",
    schema: await buildCatalogSchema(),
    internalSecret: deps.internalSecret,
    services,
    createContext: (principal: Principal | null) => createCatalogContext(services, principal),
    ready: () => pingMongo(deps.connection),
  };
}
