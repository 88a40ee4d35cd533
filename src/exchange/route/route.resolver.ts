import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import type { Route } from "./route.repository";
import { ForwardingRouteType, OpenRouteInput } from "./route.type";

@Resolver(() => ForwardingRouteType)
export class RouteResolver {
  @Mutation(() => ForwardingRouteType, { description: "Admin or the downstream marketplace (`to`): it decides whom it accepts. Opens the route; on one that exists, updates it and reopens it." })
  openRoute(@Arg("input", { description: "The route to open" }) input: OpenRouteInput, @Ctx() ctx: ExchangeContext) {
    return ctx.services.routes.open(ctx.principal, input);
  }

  @Mutation(() => ForwardingRouteType, { description: "Admin or the downstream marketplace (`to`): closes the route; offers forwarded along it become unavailable." })
  closeRoute(
    @Arg("fromMarketplaceId", () => ID, { description: "The upstream marketplace" }) fromId: string,
    @Arg("toMarketplaceId", () => ID, { description: "The downstream marketplace" }) toId: string,
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
