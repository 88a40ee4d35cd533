import { buildFederatedSchema } from "../shared/federation";
import type { CatalogContext } from "./context";
import { ProductResolver } from "./product/product.resolver";

export const buildCatalogSchema = () =>
  buildFederatedSchema(
    { resolvers: [ProductResolver] },
    {
      Product: {
        __resolveReference: (ref: { id: string }, ctx: CatalogContext) => ctx.loaders.productById.load(ref.id),
      },
    },
  );
