import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { MarketplaceRef } from "../marketplace/marketplace.type";
import type { WebhookStatus } from "./webhook.service";

export const WebhookStatusEnum = { ACTIVE: "ACTIVE", FAILING: "FAILING", DISABLED: "DISABLED" } as const satisfies Record<WebhookStatus, WebhookStatus>;

registerEnumType(WebhookStatusEnum, {
  name: "WebhookStatus",
  valuesConfig: {
    ACTIVE: { description: "delivering, or nothing to deliver" },
    FAILING: { description: "the last attempt failed; retrying with backoff" },
    DISABLED: { description: "by updateWebhook(enabled: false) or after too many failures" },
  },
});

@ObjectType("Webhook")
export class WebhookType {
  @Field(() => ID)
  id!: string;

  @Field(() => MarketplaceRef)
  marketplace!: MarketplaceRef;

  @Field()
  url!: string;

  @Field(() => WebhookStatusEnum)
  status!: WebhookStatus;

  @Field(() => String, { nullable: true, description: "the last event the endpoint acknowledged; null before the first" })
  deliveredCursor!: string | null;

  @Field(() => Int, { description: "events in the feed after deliveredCursor" })
  backlog!: number;

  @Field(() => Int)
  consecutiveFailures!: number;

  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'e.g. "HTTP 503", "timeout after 10 s"; null after a success' })
  lastError!: string | null;

  @Field()
  createdAt!: Date;
}

@InputType()
export class CreateWebhookInput {
  @Field(() => ID)
  marketplaceId!: string;

  @Field()
  url!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Where delivery starts: null or omitted, with the next event; "" from the first event of the feed; a cursor, after that event.',
  })
  after?: string | null;
}

@ObjectType("CreateWebhookPayload")
export class CreateWebhookPayload {
  @Field(() => WebhookType)
  webhook!: WebhookType;

  @Field({ description: '"whsec_" + base64, as the Standard Webhooks specification writes it' })
  secret!: string;
}

@InputType()
export class UpdateWebhookInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => Boolean, { nullable: true, description: "true re-enables a DISABLED webhook; false disables it" })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true, description: "moves the delivery position (replay from a cursor, or skip ahead)" })
  after?: string | null;
}
