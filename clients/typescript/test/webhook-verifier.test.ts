import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { WebhookVerificationError, WebhookVerifier } from "@offergate/client";

/** A secret as createWebhook returns it: "whsec_" + base64 of random bytes. */
const newSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

const delivery = {
  webhookId: "whk_1",
  marketplaceId: "mkt_1",
  events: [
    {
      cursor: "c1",
      type: "ELIGIBLE",
      marketplaceId: "mkt_1",
      offerId: "off_1",
      available: true,
      quantity: 7,
      price: 1999,
      unavailableReason: null,
      occurredAt: "2026-12-04T17:00:00.000Z",
    },
  ],
};

/** Headers as the Standard Webhooks signer makes them, for `body` at `at`. */
function signed(secret: string, body: string, id = "msg_1", at = new Date()) {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

describe("WebhookVerifier, against deliveries signed by the standardwebhooks package", () => {
  const secret = newSecret();
  const body = JSON.stringify(delivery);
  const verifier = new WebhookVerifier(secret);

  it("accepts a signed delivery and returns its id, timestamp and events; with Node's headers or a fetch Headers", () => {
    const headers = signed(secret, body, "msg_abc");
    const verified = verifier.verify(body, headers);
    expect(verified).toMatchObject({ id: "msg_abc", webhookId: "whk_1", marketplaceId: "mkt_1", events: delivery.events });
    expect(verified.timestamp.getTime()).toBe(Number(headers["webhook-timestamp"]) * 1000);
    expect(verifier.verify(Buffer.from(body), new Headers(headers)).id).toBe("msg_abc");
    // Header names in any case, a value as an array (as some frameworks give them).
    const mixed = { "Webhook-Id": [headers["webhook-id"]], "WEBHOOK-TIMESTAMP": headers["webhook-timestamp"], "webhook-signature": headers["webhook-signature"] };
    expect(verifier.verify(body, mixed).id).toBe("msg_abc");
  });

  it("accepts a signature among several (a rotated secret signs with both)", () => {
    const headers = signed(secret, body);
    const other = signed(newSecret(), body)["webhook-signature"];
    expect(verifier.verify(body, { ...headers, "webhook-signature": `${other} ${headers["webhook-signature"]}` }).events).toHaveLength(1);
  });

  it.each<[string, (h: Record<string, string>) => [string, Record<string, string>]]>([
    ["a body changed after signing", (h) => [body.replace("1999", "1"), h]],
    ["re-serialised JSON (not the raw body)", (h) => [JSON.stringify(JSON.parse(body), null, 1), h]],
    ["another secret's signature", () => [body, signed(newSecret(), body)]],
    ["another delivery id", (h) => [body, { ...h, "webhook-id": "msg_other" }]],
    ["a timestamp changed after signing", (h) => [body, { ...h, "webhook-timestamp": String(Number(h["webhook-timestamp"]) + 1) }]],
    ["a delivery signed ten minutes ago (a replay)", () => [body, signed(secret, body, "msg_1", new Date(Date.now() - 600_000))]],
    ["a delivery dated ten minutes ahead", () => [body, signed(secret, body, "msg_1", new Date(Date.now() + 600_000))]],
    ["no signature", (h) => [body, { ...h, "webhook-signature": "" }]],
    ["no headers", () => [body, {}]],
  ])("refuses %s", (_case, tamper) => {
    const [b, h] = tamper(signed(secret, body));
    expect(() => verifier.verify(b, h)).toThrow(WebhookVerificationError);
  });

  it("refuses a correctly signed body that is not a delivery", () => {
    const other = JSON.stringify({ hello: "world" });
    expect(() => verifier.verify(other, signed(secret, other))).toThrow(/not an offergate delivery/);
  });
});
