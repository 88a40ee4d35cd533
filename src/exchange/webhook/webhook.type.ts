import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import type { WebhookStatus } from "./webhook.service";

export const WebhookStatusEnum = { ACTIVE: "ACTIVE", FAILING: "FAILING", DISABLED: "DISABLED" } as const satisfies Record<WebhookStatus, WebhookStatus>;

registerEnumType(WebhookStatusEnum, {
  name: "WebhookStatus",
  description: "Whether a webhook is delivering",
  valuesConfig: {
    ACTIVE: { description: "delivering, or nothing to deliver" },
    FAILING: { description: "the last attempt failed; retrying with backoff" },
    DISABLED: { description: "by updateWebhook(enabled: false) or after too many failures" },
  },
});

@ObjectType("Webhook", { description: "An HTTP endpoint that receives a marketplace's feed events, signed as Standard Webhooks" })
export class WebhookType {
  @Field(() => ID, { description: "Unique id" })
  id!: string;

  @Field(() => MarketplaceRef, { description: "The marketplace whose events it receives" })
  marketplace!: MarketplaceRef;

  @Field({ description: "Where events are POSTed" })
  url!: string;

  @Field(() => WebhookStatusEnum, { description: "Whether it is delivering" })
  status!: WebhookStatus;

  @Field(() => String, { nullable: true, description: "the last event the endpoint acknowledged; null before the first" })
  deliveredCursor!: string | null;

  @Field(() => Int, { description: "events in the feed after deliveredCursor" })
  backlog!: number;

  @Field(() => Int, { description: "Failed attempts since the last success" })
  consecutiveFailures!: number;

  @Field(() => Date, { nullable: true, description: "When delivery was last attempted; null before the first" })
  lastAttemptAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'e.g. "HTTP 503", "timeout after 10 s"; null after a success' })
  lastError!: string | null;

  @Field({ description: "When it was created" })
  createdAt!: Date;
}

@InputType({ description: "The webhook to create" })
export class CreateWebhookInput {
  @Field(() => ID, { description: "The marketplace whose events it receives" })
  marketplaceId!: string;

  @Field({ description: "Where events are POSTed" })
  url!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Where delivery starts: null or omitted, with the next event; "" from the first event of the feed; a cursor, after that event.',
  })
  after?: string | null;
}

@ObjectType("CreateWebhookPayload", { description: "The result of createWebhook" })
export class CreateWebhookPayload {
  @Field(() => WebhookType, { description: "The new webhook" })
  webhook!: WebhookType;

  @Field({ description: '"whsec_" + base64, as the Standard Webhooks specification writes it' })
  secret!: string;
}

@InputType({ description: "The changes to a webhook; omitted fields stay as they are" })
export class UpdateWebhookInput {
  @Field(() => ID, { description: "Unique id" })
  id!: string;

  @Field(() => String, { nullable: true, description: "Where events are POSTed" })
  url?: string | null;

  @Field(() => Boolean, { nullable: true, description: "true re-enables a DISABLED webhook; false disables it" })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true, description: "moves the delivery position (replay from a cursor, or skip ahead)" })
  after?: string | null;
}
