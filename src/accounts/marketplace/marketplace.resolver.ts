import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { PageArgs } from "../../shared/pagination";
import type { AccountsContext } from "../context";
import { CreateMarketplaceInput } from "./marketplace.input";
import { CreateMarketplacePayload, Marketplace, MarketplaceConnection } from "./marketplace.type";

@Resolver(() => Marketplace)
export class MarketplaceResolver {
  @Query(() => Marketplace, { nullable: true })
  marketplace(@Arg("id", () => ID) id: string, @Ctx() ctx: AccountsContext): Promise<Marketplace | null> {
    return ctx.loaders.marketplaceById.load(id);
  }

  @Query(() => MarketplaceConnection)
  marketplaces(@Args() page: PageArgs, @Ctx() ctx: AccountsContext) {
    return ctx.services.marketplaces.list(page);
  }

  @Mutation(() => CreateMarketplacePayload)
  async createMarketplace(@Arg("input") input: CreateMarketplaceInput, @Ctx() ctx: AccountsContext): Promise<CreateMarketplacePayload> {
    const { account, apiKey } = await ctx.services.marketplaces.create(ctx.principal, input.name);
    return { marketplace: account, apiKey };
  }
}
