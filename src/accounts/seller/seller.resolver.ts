import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { PageArgs } from "../../shared/pagination";
import type { AccountsContext } from "../context";
import { CreateSellerInput } from "./seller.input";
import { CreateSellerPayload, Seller, SellerConnection } from "./seller.type";

@Resolver(() => Seller)
export class SellerResolver {
  @Query(() => Seller, { nullable: true })
  seller(@Arg("id", () => ID) id: string, @Ctx() ctx: AccountsContext): Promise<Seller | null> {
    return ctx.loaders.sellerById.load(id);
  }

  @Query(() => SellerConnection)
  sellers(@Args() page: PageArgs, @Ctx() ctx: AccountsContext) {
    return ctx.services.sellers.list(page);
  }

  @Mutation(() => CreateSellerPayload)
  async createSeller(@Arg("input") input: CreateSellerInput, @Ctx() ctx: AccountsContext): Promise<CreateSellerPayload> {
    const { account, apiKey } = await ctx.services.sellers.create(ctx.principal, input.name);
    return { seller: account, apiKey };
  }
}
