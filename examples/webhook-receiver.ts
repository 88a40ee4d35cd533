/**
 * Marketplace integrating by HTTP: receives offergate's webhook deliveries,
 * checks their signature, and handles each delivery once.
 *
 *   WEBHOOK_SECRET=whsec_... PORT=3000 npm run example:webhook-receiver
 *
 * Register it with createWebhook(input: { marketplaceId, url: "https://<this host>/webhooks/offergate" }).
 */
import { createServer } from "node:http";
import { WebhookVerificationError, WebhookVerifier } from "@offergate/client";
import { required, run } from "./env";

run(async () => {
  const verifier = new WebhookVerifier(required("WEBHOOK_SECRET"));
  // Deliveries come one at a time, and a retry repeats the same webhook-id: remembering the last few is enough.
  const handled: string[] = [];

  const server = createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/webhooks/offergate") return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let delivery;
      try {
        // The raw body, as it was signed.
        delivery = verifier.verify(Buffer.concat(chunks), req.headers);
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        console.error(`refused: ${error.message}`);
        return void res.writeHead(401).end();
      }
      if (handled.includes(delivery.id)) {
        console.log(`delivery ${delivery.id} again: already handled`);
      } else {
        for (const e of delivery.events) {
          const what = e.available ? `available, ${e.quantity} at ${e.price}` : `unavailable (${e.unavailableReason})`;
          console.log(`${e.occurredAt} ${e.type} ${e.offerId}: ${what}`);
        }
        handled.push(delivery.id);
        if (handled.length > 100) handled.shift();
      }
      // A 2xx acknowledges the delivery; anything else makes offergate retry it.
      res.writeHead(204).end();
    });
  });
  const port = Number(process.env.PORT ?? 3000);
  await new Promise<void>((resolve) => server.listen(port, resolve));
  console.log(`listening on http://localhost:${port}/webhooks/offergate`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close());
});
