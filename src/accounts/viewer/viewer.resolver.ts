import { Arg, Ctx, Directive, Query, Resolver } from "type-graphql";
import { requireService } from "../../shared/auth";
import type { AccountsContext } from "../context";
import { PrincipalType, type PrincipalKindEnum } from "./principal.type";

@Resolver()
export class ViewerResolver {
  @Query(() => PrincipalType, { nullable: true, description: "Who the request's API key belongs to; null when the request carries no API key" })
  viewer(@Ctx() ctx: AccountsContext): PrincipalType | null {
    const p = ctx.principal;
    if (!p || p.kind === "SERVICE") return null;
    return { kind: p.kind as PrincipalKindEnum, id: p.id };
  }

  /** Internal: the gateway resolves a presented API key here. Hidden from the public API. */
  @Directive("@inaccessible")
  @Query(() => PrincipalType, { nullable: true })
  async _authenticate(@Arg("apiKey") apiKey: string, @Ctx() ctx: AccountsContext): Promise<PrincipalType | null> {
    requireService(ctx.principal);
    const p = await ctx.services.apiKeys.authenticate(apiKey);
    return p ? { kind: p.kind as PrincipalKindEnum, id: p.id } : null;
  }
}
