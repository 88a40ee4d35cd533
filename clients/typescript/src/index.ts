/**
 * A typed client for offergate: the API's documents typed by GraphQL Code
 * Generator, HTTP requests, a feed consumer that resumes from its last
 * cursor, a webhook verifier, and a CSV import helper.
 */
export * from "./generated/graphql";
export { OffergateClient, OffergateError, authorization, type ConnectionOptions } from "./http";
export { FileCursorStore, MemoryCursorStore, type CursorStore } from "./cursor-store";
export { FeedConsumer, type FeedConsumerOptions, type FeedConsumerState, type FeedEvent } from "./feed";
export { WebhookVerifier, WebhookVerificationError, type HeadersLike, type WebhookDelivery, type WebhookEvent } from "./webhooks";
export {
  importOffersCsv,
  startOfferImport,
  type ImportOffersOptions,
  type ImportOffersResult,
  type OfferImportLineError,
  type OfferImportState,
} from "./imports";
