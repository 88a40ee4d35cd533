import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebhookVerificationError, WebhookVerifier, type WebhookDelivery } from "@offergate/client";
import { buildWorld } from "../../../test/helpers/exchange";
import { readWholeFeed } from "../../../test/helpers/feed-client";
import { startTestOffergate, type TestOffergate } from "../../../test/helpers/offergate";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The verifier on the service's own deliveries: a receiver that checks every one as the webhook-receiver example does. */
describe("WebhookVerifier against the service's deliveries", () => {
  let og: TestOffergate;
  let receiver: Server;
  let verifier: WebhookVerifier | undefined;
  const delivered: WebhookDelivery[] = [];
  const refused: string[] = [];
  beforeAll(async () => {
    og = await startTestOffergate({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", WEBHOOK_POLL_MS: "200" });
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        try {
          delivered.push(verifier!.verify(Buffer.concat(chunks), req.headers));
          res.writeHead(204).end();
        } catch (error) {
          refused.push(error instanceof WebhookVerificationError ? error.message : String(error));
          res.writeHead(401).end();
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await og.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it("verifies each delivery with the secret createWebhook returned, and its events are the feed's", async () => {
    const w = await buildWorld(og.admin, 1);
    const m = w.ids[0]!;
    await w.affiliate(m);
    await w.setStock(w.sellerId, 5);
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const created = await og.admin.post({
      query: 'mutation($m: ID!, $url: String!) { createWebhook(input: { marketplaceId: $m, url: $url, after: "" }) { webhook { id } secret } }',
      variables: { m, url },
    });
    const { webhook, secret } = created.data.createWebhook as { webhook: { id: string }; secret: string };
    verifier = new WebhookVerifier(secret);
    for (let price = 1; price <= 3; price++) await w.submit(m, price);

    const log = await readWholeFeed(og.admin, m);
    for (const deadline = Date.now() + 30_000; delivered.flatMap((d) => d.events).length < log.length; await sleep(50)) {
      if (Date.now() > deadline) throw new Error(`deliveries: ${JSON.stringify(delivered)}, refused: ${JSON.stringify(refused)}`);
    }
    expect(refused).toEqual([]);
    expect(delivered.every((d) => d.webhookId === webhook.id && d.marketplaceId === m)).toBe(true);
    expect(delivered.flatMap((d) => d.events).map((e) => [e.cursor, e.type, e.price])).toEqual(log.map((e) => [e.cursor, e.type, e.price]));

    // Another webhook's secret does not verify them.
    const other = await og.admin.post({
      query: "mutation($m: ID!, $url: String!) { createWebhook(input: { marketplaceId: $m, url: $url }) { secret } }",
      variables: { m, url: `${url}/other` },
    });
    verifier = new WebhookVerifier(other.data.createWebhook.secret);
    await w.submit(m, 4);
    for (const deadline = Date.now() + 30_000; refused.length === 0; await sleep(50)) {
      if (Date.now() > deadline) throw new Error("no delivery came to be refused");
    }
    expect(refused[0]).toMatch(/signature/i);
  });
});
