import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { PageArgs } from "../../shared/pagination";
import type { AccountsContext } from "../context";
import { CreateMarketplaceInput } from "./marketplace.input";
import { CreateMarketplacePayload, Marketplace, MarketplaceConnection } from "./marketplace.type";

@Resolver(() => Marketplace)
export class MarketplaceResolver {
  @Query(() => Marketplace, { nullable: true, description: "The marketplace with this id; null when there is none" })
  marketplace(@Arg("id", () => ID, { description: "The marketplace's id" }) id: string, @Ctx() ctx: AccountsContext): Promise<Marketplace | null> {
    return ctx.loaders.marketplaceById.load(id);
  }

  @Query(() => MarketplaceConnection, { description: "All marketplaces, a page at a time" })
  marketplaces(@Args() page: PageArgs, @Ctx() ctx: AccountsContext) {
    return ctx.services.marketplaces.list(page);
  }

  @Mutation(() => CreateMarketplacePayload, {
    description: "Admin: onboards a marketplace. The API key is returned once and stored only as a hash.",
  })
  async createMarketplace(@Arg("input", { description: "The new marketplace" }) input: CreateMarketplaceInput, @Ctx() ctx: AccountsContext): Promise<CreateMarketplacePayload> {
    const { account, apiKey } = await ctx.services.marketplaces.create(ctx.principal, input.name);
    return { marketplace: account, apiKey };
  }
}
