import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { ProductRef } from "../product/product.type";
import type { StockLevel } from "./stock.repository";
import { AdjustStockInput, SetStockInput, StockLevelType } from "./stock.type";

@Resolver(() => StockLevelType)
export class StockResolver {
  @Query(() => StockLevelType, { nullable: true, description: "Private: the owner (seller or marketplace) or an admin." })
  stockLevel(
    @Arg("ownerId", () => ID) ownerId: string,
    @Arg("productId", () => ID) productId: string,
    @Ctx() ctx: ExchangeContext,
  ) {
    return ctx.services.stock.get(ctx.principal, ownerId, productId);
  }

  @Mutation(() => StockLevelType)
  setStock(@Arg("input") input: SetStockInput, @Ctx() ctx: ExchangeContext) {
    return ctx.services.stock.set(ctx.principal, input);
  }

  @Mutation(() => StockLevelType)
  adjustStock(@Arg("input") input: AdjustStockInput, @Ctx() ctx: ExchangeContext) {
    return ctx.services.stock.adjust(ctx.principal, input);
  }

  @FieldResolver(() => ProductRef)
  product(@Root() level: StockLevel) {
    return { id: level.productId };
  }
}
