import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { PageArgs } from "../../shared/pagination";
import type { CatalogContext } from "../context";
import { CreateProductInput } from "./product.input";
import { Product, ProductConnection } from "./product.type";

@Resolver(() => Product)
export class ProductResolver {
  @Query(() => Product, { nullable: true, description: "The product with this id or GTIN (exactly one of id / gtin); null when there is none" })
  product(
    @Ctx() ctx: CatalogContext,
    @Arg("id", () => ID, { nullable: true, description: "The product's id" }) id?: string,
    @Arg("gtin", () => String, { nullable: true, description: "The product's GTIN (8, 12, 13 or 14 digits)" }) gtin?: string,
  ): Promise<Product | null> {
    return ctx.services.products.find(
      { id, gtin },
      (key) => ctx.loaders.productById.load(key),
      (key) => ctx.loaders.productByGtin14.load(key),
    );
  }

  @Query(() => ProductConnection, { description: "The catalog, a page at a time" })
  products(
    @Args() page: PageArgs,
    @Arg("search", () => String, {
      nullable: true,
      description: "Only products whose name contains this text (any case) or whose GTIN contains these digits",
    })
    search: string | null | undefined,
    @Ctx() ctx: CatalogContext,
  ) {
    return ctx.services.products.list({ ...page, search });
  }

  @Mutation(() => Product, { description: "Admin: adds a product to the catalog" })
  createProduct(@Arg("input", { description: "The new product" }) input: CreateProductInput, @Ctx() ctx: CatalogContext): Promise<Product> {
    return ctx.services.products.create(ctx.principal, input);
  }
}
