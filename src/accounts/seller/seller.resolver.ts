import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { PageArgs } from "../../shared/pagination";
import type { AccountsContext } from "../context";
import { CreateSellerInput } from "./seller.input";
import { CreateSellerPayload, Seller, SellerConnection } from "./seller.type";

@Resolver(() => Seller)
export class SellerResolver {
  @Query(() => Seller, { nullable: true, description: "The seller with this id; null when there is none" })
  seller(@Arg("id", () => ID, { description: "The seller's id" }) id: string, @Ctx() ctx: AccountsContext): Promise<Seller | null> {
    return ctx.loaders.sellerById.load(id);
  }

  @Query(() => SellerConnection, { description: "All sellers, a page at a time" })
  sellers(@Args() page: PageArgs, @Ctx() ctx: AccountsContext) {
    return ctx.services.sellers.list(page);
  }

  @Mutation(() => CreateSellerPayload, {
    description: "Admin: onboards a seller. The API key is returned once and stored only as a hash.",
  })
  async createSeller(@Arg("input", { description: "The new seller" }) input: CreateSellerInput, @Ctx() ctx: AccountsContext): Promise<CreateSellerPayload> {
    const { account, apiKey } = await ctx.services.sellers.create(ctx.principal, input.name);
    return { seller: account, apiKey };
  }
}
