import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ExchangeContext } from "../context";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import type { WebhookView } from "./webhook.service";
import { CreateWebhookInput, CreateWebhookPayload, UpdateWebhookInput, WebhookType } from "./webhook.type";

@Resolver(() => WebhookType)
export class WebhookResolver {
  @Query(() => [WebhookType], { description: "Private: that marketplace or an admin." })
  webhooks(@Arg("marketplaceId", () => ID, { description: "The marketplace whose webhooks to list" }) marketplaceId: string, @Ctx() ctx: ExchangeContext) {
    return ctx.services.webhooks.list(ctx.principal, marketplaceId);
  }

  @Mutation(() => CreateWebhookPayload, { description: "Admin or the marketplace itself. The signing secret is returned once." })
  createWebhook(@Arg("input", { description: "The webhook" }) input: CreateWebhookInput, @Ctx() ctx: ExchangeContext) {
    return ctx.services.webhooks.create(ctx.principal, input);
  }

  @Mutation(() => WebhookType, { description: "Admin or the webhook's marketplace." })
  updateWebhook(@Arg("input", { description: "The webhook" }) input: UpdateWebhookInput, @Ctx() ctx: ExchangeContext) {
    return ctx.services.webhooks.update(ctx.principal, input);
  }

  @Mutation(() => WebhookType, { description: "Admin or the webhook's marketplace: deletes it; its deliveries stop at once." })
  deleteWebhook(@Arg("id", () => ID, { description: "The webhook's id" }) id: string, @Ctx() ctx: ExchangeContext) {
    return ctx.services.webhooks.delete(ctx.principal, id);
  }

  @FieldResolver(() => MarketplaceRef)
  marketplace(@Root() webhook: WebhookView) {
    return { id: webhook.marketplaceId };
  }

  @FieldResolver(() => Int)
  backlog(@Root() webhook: WebhookView, @Ctx() ctx: ExchangeContext) {
    return ctx.services.webhooks.backlog(webhook);
  }
}
