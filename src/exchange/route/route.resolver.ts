import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import type { Route } from "./route.repository";
import { ForwardingRouteType, OpenRouteInput } from "./route.type";

@Resolver(() => ForwardingRouteType)
export class RouteResolver {
  @Mutation(() => ForwardingRouteType)
  openRoute(@Arg("input") input: OpenRouteInput, @Ctx() ctx: ExchangeContext) {
    return ctx.services.routes.open(ctx.principal, input);
  }

  @Mutation(() => ForwardingRouteType)
  closeRoute(
    @Arg("fromMarketplaceId", () => ID) fromId: string,
    @Arg("toMarketplaceId", () => ID) toId: string,
    @Ctx() ctx: ExchangeContext,
  ) {
    return ctx.services.routes.close(ctx.principal, fromId, toId);
  }

  @FieldResolver(() => MarketplaceRef)
  from(@Root() route: Route) {
    return { id: route.fromId };
  }

  @FieldResolver(() => MarketplaceRef)
  to(@Root() route: Route) {
    return { id: route.toId };
  }
}
