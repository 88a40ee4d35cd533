import { createHash } from "node:crypto";
import { RotateApiKeyDocument, ViewerDocument } from "../generated/graphql";
import { createMarketplace, createSeller } from "../fixtures";
import { errorCodes } from "../helpers/graphql-client";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";
import { REDIS_URL, describeWithRedis } from "../helpers/redis";

/** API keys: shape and storage, rotation by the account itself or the admin, and the old key refused at once. */

const KEY = /^og_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const sha256hex = (s: string) => createHash("sha256").update(s).digest("hex");

describe("one gateway", () => {
  let mongo: TestMongo;
  let og: TestOffergate;
  beforeAll(async () => {
    mongo = await startTestMongo();
    og = await startTestOffergate({ MONGODB_URI: mongo.server.uri });
  });
  afterAll(async () => {
    await og?.close();
    await mongo?.stop();
  });

  const keysCollection = async () => {
    const c = await mongo.connect({ dbName: new URL(og.app.mongoUri).pathname.slice(1) || "offergate" });
    return c.collection("api_keys");
  };

  it("keys carry 256 random bits, are all different, and only a SHA-256 of the secret is stored", async () => {
    const sellers = await Promise.all(Array.from({ length: 5 }, () => createSeller(og.admin)));
    const keys = sellers.map((s) => s.apiKey);
    expect(new Set(keys).size).toBe(keys.length);
    const collection = await keysCollection();
    for (const key of keys) {
      const [, id, secret] = KEY.exec(key)!;
      expect(Buffer.from(secret!, "base64url")).toHaveLength(32);
      const stored = await collection.findOne({ _id: id as never });
      expect(stored).not.toBeNull();
      expect(stored!.secretHash).toBe(sha256hex(secret!));
      // Nothing stored holds the secret itself.
      expect(JSON.stringify(stored)).not.toContain(secret);
    }
  });

  it("a key whose secret differs in one character, or is cut short, is UNAUTHENTICATED", async () => {
    const { apiKey } = await createSeller(og.admin);
    const flip = (c: string) => (c === "A" ? "B" : "A");
    for (const bad of [apiKey.slice(0, -1) + flip(apiKey.at(-1)!), apiKey.slice(0, 25) + flip(apiKey[25]!) + apiKey.slice(26), apiKey.slice(0, -1), `${apiKey}A`]) {
      expect(errorCodes(await og.as(bad).execute(ViewerDocument))).toEqual(["UNAUTHENTICATED"]);
    }
  });

  it.each(["seller", "marketplace"] as const)("a %s rotates its own key: the new one works, the old one is refused at once", async (kind) => {
    const account = kind === "seller" ? await createSeller(og.admin) : await createMarketplace(og.admin);
    const id = "seller" in account ? account.seller.id : account.marketplace.id;
    // Warm the gateway's cache with the old key.
    expect((await account.client.data(ViewerDocument)).viewer?.id).toBe(id);
    const { rotateApiKey } = await account.client.data(RotateApiKeyDocument, {});
    expect(rotateApiKey.account).toEqual({ kind: kind.toUpperCase(), id });
    expect(rotateApiKey.apiKey).toMatch(KEY);
    expect(rotateApiKey.apiKey).not.toBe(account.apiKey);
    expect(errorCodes(await account.client.execute(ViewerDocument))).toEqual(["UNAUTHENTICATED"]);
    expect((await og.as(rotateApiKey.apiKey).data(ViewerDocument)).viewer).toEqual({ kind: kind.toUpperCase(), id });
    // With its own id, the same.
    const again = await og.as(rotateApiKey.apiKey).data(RotateApiKeyDocument, { accountId: id });
    expect(errorCodes(await og.as(rotateApiKey.apiKey).execute(ViewerDocument))).toEqual(["UNAUTHENTICATED"]);
    expect((await og.as(again.rotateApiKey.apiKey).data(ViewerDocument)).viewer?.id).toBe(id);
  });

  it("the admin rotates any account's key; it must name the account", async () => {
    const seller = await createSeller(og.admin);
    await seller.client.data(ViewerDocument);
    const { rotateApiKey } = await og.admin.data(RotateApiKeyDocument, { accountId: seller.seller.id });
    expect(rotateApiKey.account).toEqual({ kind: "SELLER", id: seller.seller.id });
    expect(errorCodes(await seller.client.execute(ViewerDocument))).toEqual(["UNAUTHENTICATED"]);
    expect((await og.as(rotateApiKey.apiKey).data(ViewerDocument)).viewer?.id).toBe(seller.seller.id);
    expect(errorCodes(await og.admin.execute(RotateApiKeyDocument, {}))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await og.admin.execute(RotateApiKeyDocument, { accountId: "sel_000000000000000000000000" }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await og.admin.execute(RotateApiKeyDocument, { accountId: "prd_000000000000000000000000" }))).toEqual(["NOT_FOUND"]);
  });

  it("anyone else is refused, and the target's key keeps working", async () => {
    const target = await createSeller(og.admin);
    const otherSeller = await createSeller(og.admin);
    const market = await createMarketplace(og.admin);
    const cases: [string, typeof og.anonymous, string][] = [
      ["anonymous", og.anonymous, "UNAUTHENTICATED"],
      ["an unknown key", og.as("og_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "UNAUTHENTICATED"],
      ["another seller", otherSeller.client, "FORBIDDEN"],
      ["a marketplace", market.client, "FORBIDDEN"],
    ];
    for (const [, client, code] of cases) {
      const response = await client.execute(RotateApiKeyDocument, { accountId: target.seller.id });
      expect(errorCodes(response)).toEqual([code]);
      expect(response.data ?? null).toBeNull();
    }
    // A refused rotation of an unknown account is FORBIDDEN too: authorization comes first.
    expect(errorCodes(await otherSeller.client.execute(RotateApiKeyDocument, { accountId: "sel_000000000000000000000000" }))).toEqual(["FORBIDDEN"]);
    expect((await target.client.data(ViewerDocument)).viewer?.id).toBe(target.seller.id);
    expect((await otherSeller.client.data(ViewerDocument)).viewer?.id).toBe(otherSeller.seller.id);
  });
});

describeWithRedis("two gateways on one database and one Redis", () => {
  let mongo: TestMongo;
  let a: TestOffergate;
  let b: TestOffergate;
  beforeAll(async () => {
    mongo = await startTestMongo();
    const shared = { MONGODB_URI: mongo.server.uri, REDIS_URL };
    a = await startTestOffergate(shared);
    b = await startTestOffergate({ ...shared, ADMIN_API_KEY: a.adminApiKey });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await mongo?.stop();
  });

  it("a key rotated through one is refused by the other at once, though the other had it cached", async () => {
    for (let round = 0; round < 5; round++) {
      const seller = await createSeller(a.admin);
      // Both gateways have verified (and cached) the old key.
      expect((await a.as(seller.apiKey).data(ViewerDocument)).viewer?.id).toBe(seller.seller.id);
      expect((await b.as(seller.apiKey).data(ViewerDocument)).viewer?.id).toBe(seller.seller.id);
      const { rotateApiKey } = await a.as(seller.apiKey).data(RotateApiKeyDocument, {});
      expect(errorCodes(await b.as(seller.apiKey).execute(ViewerDocument))).toEqual(["UNAUTHENTICATED"]);
      expect(errorCodes(await a.as(seller.apiKey).execute(ViewerDocument))).toEqual(["UNAUTHENTICATED"]);
      expect((await b.as(rotateApiKey.apiKey).data(ViewerDocument)).viewer?.id).toBe(seller.seller.id);
    }
  });

  it("the rate limit is one budget across both gateways", async () => {
    // 1200 a minute by default: spend it across the two, alternating.
    const seller = await createSeller(a.admin);
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
    const codes: unknown[] = [];
    const batch = async (gw: TestOffergate) =>
      Promise.all(Array.from({ length: 50 }, async () => errorCodes(await gw.as(seller.apiKey).execute(ViewerDocument))[0] ?? "OK"));
    for (let i = 0; i < 25; i++) codes.push(...(await batch(i % 2 ? b : a)));
    const tally: Record<string, number> = {};
    for (const c of codes) tally[String(c)] = (tally[String(c)] ?? 0) + 1;
    expect(tally).toEqual({ OK: 1200, RATE_LIMITED: 50 });
    expect(codes.filter((c) => c === "RATE_LIMITED")).toHaveLength(50);
    // Up to 20 s waiting for a fresh window, then 1,250 requests on a shared 2-core machine.
  }, 90_000);
});
