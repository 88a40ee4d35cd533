/**
 * Marketplace: follows its offer feed and keeps its place in a file, so that
 * a restart (of this script or of offergate) resumes after the last event
 * handled: nothing missed, nothing handled twice.
 *
 *   OFFERGATE_API_KEY=<marketplace key> npm run example:feed-consumer
 *
 * CURSOR_FILE (default .offergate-feed-<marketplace id>.cursor), TRANSPORT (sse or ws),
 * MARKETPLACE_ID (default: the key's own marketplace).
 */
import { FeedConsumer, FileCursorStore, OffergateClient, ViewerDocument } from "@offergate/client";
import { OFFERGATE_URL, required, run } from "./env";

run(async () => {
  const apiKey = required("OFFERGATE_API_KEY");
  const marketplaceId =
    process.env.MARKETPLACE_ID ?? (await new OffergateClient({ url: OFFERGATE_URL, apiKey }).request(ViewerDocument)).viewer?.id;
  if (!marketplaceId) throw new Error("set MARKETPLACE_ID (the key is not a marketplace's)");
  const store = new FileCursorStore(process.env.CURSOR_FILE ?? `.offergate-feed-${marketplaceId}.cursor`);

  const consumer = new FeedConsumer({
    url: OFFERGATE_URL,
    apiKey,
    marketplaceId,
    store,
    transport: process.env.TRANSPORT === "ws" ? "ws" : "sse",
    onEvent: async (e) => {
      // Your work goes here (update the shop's listing, ...); the cursor is saved when it returns.
      const what = e.available ? `available, ${e.quantity} at ${e.price}` : `unavailable (${e.unavailableReason})`;
      console.log(`${e.occurredAt} ${e.type} ${e.offerId}: ${what}`);
    },
    onState: (s) => {
      if (s.state === "connecting") console.error(`connecting (after ${s.after === "" ? "the beginning" : (s.after ?? "now")})`);
      if (s.state === "connected") console.error("connected");
      if (s.state === "disconnected") console.error(`disconnected (${String((s.error as Error)?.message ?? s.error)}); retrying in ${Math.round(s.retryInMs)} ms`);
    },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void consumer.stop());
  await consumer.run();
  console.error(`stopped; the last cursor is in ${store.path}`);
});
