import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { ProductRef } from "../product/product.type";
import type { StockLevel } from "./stock.repository";
import { AdjustStockInput, SetStockInput, StockLevelType } from "./stock.type";

@Resolver(() => StockLevelType)
export class StockResolver {
  @Query(() => StockLevelType, { nullable: true, description: "Private: the owner (seller or marketplace) or an admin." })
  stockLevel(
    @Arg("ownerId", () => ID, { description: "A seller's or a marketplace's id" }) ownerId: string,
    @Arg("productId", () => ID, { description: "The product" }) productId: string,
    @Ctx() ctx: ExchangeContext,
  ) {
    return ctx.services.stock.get(ctx.principal, ownerId, productId);
  }

  @Mutation(() => StockLevelType, { description: "Admin or the owner of the stock (a seller or a marketplace): sets the quantity on hand." })
  setStock(@Arg("input", { description: "The owner, the product and the change" }) input: SetStockInput, @Ctx() ctx: ExchangeContext) {
    return ctx.services.stock.set(ctx.principal, input);
  }

  @Mutation(() => StockLevelType, { description: "Admin or the owner of the stock: adds delta (negative to take away) atomically." })
  adjustStock(@Arg("input", { description: "The owner, the product and the change" }) input: AdjustStockInput, @Ctx() ctx: ExchangeContext) {
    return ctx.services.stock.adjust(ctx.principal, input);
  }

  @FieldResolver(() => ProductRef)
  product(@Root() level: StockLevel) {
    return { id: level.productId };
  }
}
