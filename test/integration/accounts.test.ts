import { createHash } from "node:crypto";
import type { Connection } from "mongoose";
import {
  CreateMarketplaceDocument,
  CreateSellerDocument,
  MarketplaceDocument,
  SellerDocument,
  SellersDocument,
  ViewerDocument,
} from "../generated/graphql";
import { marketplaceInput, sellerInput, uniqueName } from "../fixtures";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { ADMIN, SERVICE, accountsHarness, marketplacePrincipal, sellerPrincipal } from "../helpers/subgraph";
import { errorCodes } from "../helpers/graphql-client";

let mongo: TestMongo;
let connection: Connection;
let accounts: Awaited<ReturnType<typeof accountsHarness>>;

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect();
  accounts = await accountsHarness(connection);
});
afterAll(async () => {
  await accounts?.stop();
  await mongo?.stop();
});

const createSeller = async (name = uniqueName("Seller")) => {
  const result = await accounts.execute(CreateSellerDocument, { input: { name } }, ADMIN);
  expect(result.errors).toBeUndefined();
  return result.data!.createSeller;
};
const createMarketplace = async () => {
  const result = await accounts.execute(CreateMarketplaceDocument, { input: marketplaceInput() }, ADMIN);
  expect(result.errors).toBeUndefined();
  return result.data!.createMarketplace;
};

const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Seller { id name createdAt }
      ... on Marketplace { id name createdAt }
    }
  }
`;

describe("accounts subgraph", () => {
  describe("_entities", () => {
    it("resolves Seller references, null for an unknown id", async () => {
      const a = await createSeller();
      const b = await createSeller();
      const result = await accounts.execute(ENTITIES, {
        representations: [
          { __typename: "Seller", id: b.seller.id },
          { __typename: "Seller", id: "sel_000000000000000000000000" },
          { __typename: "Seller", id: a.seller.id },
        ],
      });
      expect(result.errors).toBeUndefined();
      expect(result.data!._entities).toEqual([
        { __typename: "Seller", ...b.seller },
        null,
        { __typename: "Seller", ...a.seller },
      ]);
    });

    it("resolves Marketplace references, and never a seller's id as a marketplace", async () => {
      const m = await createMarketplace();
      const s = await createSeller();
      const result = await accounts.execute(ENTITIES, {
        representations: [
          { __typename: "Marketplace", id: m.marketplace.id },
          { __typename: "Marketplace", id: s.seller.id },
        ],
      });
      expect(result.errors).toBeUndefined();
      expect(result.data!._entities).toEqual([{ __typename: "Marketplace", ...m.marketplace }, null]);
    });
  });

  describe("onboarding", () => {
    it("creates a seller with a key that authenticates as that seller, stored only as a hash", async () => {
      const { seller, apiKey } = await createSeller();
      expect(seller.id).toMatch(/^sel_[0-9a-f]{24}$/);
      expect(new Date(seller.createdAt).toISOString()).toBe(seller.createdAt);
      await expect(accounts.services.apiKeys.authenticate(apiKey)).resolves.toEqual({ kind: "SELLER", id: seller.id });

      const stored = await connection.collection("api_keys").find({ principalId: seller.id }).toArray();
      expect(stored).toHaveLength(1);
      const secret = apiKey.split("_").slice(2).join("_");
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(stored[0]!.secretHash).toBe(createHash("sha256").update(secret).digest("hex"));
    });

    it("creates a marketplace whose key authenticates as that marketplace", async () => {
      const { marketplace, apiKey } = await createMarketplace();
      expect(marketplace.id).toMatch(/^mkt_[0-9a-f]{24}$/);
      await expect(accounts.services.apiKeys.authenticate(apiKey)).resolves.toEqual({ kind: "MARKETPLACE", id: marketplace.id });
    });

    it("reads back what it created", async () => {
      const { seller } = await createSeller();
      const { marketplace } = await createMarketplace();
      expect((await accounts.execute(SellerDocument, { id: seller.id })).data).toEqual({ seller });
      expect((await accounts.execute(MarketplaceDocument, { id: marketplace.id })).data).toEqual({ marketplace });
      expect((await accounts.execute(SellerDocument, { id: marketplace.id })).data).toEqual({ seller: null });
    });

    it("keeps names as given, up to 200 characters", async () => {
      const name = `${"ü".repeat(190)} ${uniqueName("x")}`.slice(0, 200);
      expect((await createSeller(name)).seller.name).toBe(name);
    });
  });

  describe("error codes", () => {
    it.each([
      ["empty", ""],
      ["blank", "   "],
      ["201 characters", "n".repeat(201)],
    ])("BAD_USER_INPUT for a name that is %s, and nothing is created", async (_, name) => {
      const before = await connection.collection("sellers").countDocuments();
      const result = await accounts.execute(CreateSellerDocument, { input: { name } }, ADMIN);
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.data).toBeNull();
      const market = await accounts.execute(CreateMarketplaceDocument, { input: { name } }, ADMIN);
      expect(errorCodes(market)).toEqual(["BAD_USER_INPUT"]);
      expect(await connection.collection("sellers").countDocuments()).toBe(before);
    });

    it("UNAUTHENTICATED for an anonymous createSeller / createMarketplace", async () => {
      expect(errorCodes(await accounts.execute(CreateSellerDocument, { input: sellerInput() }, null))).toEqual(["UNAUTHENTICATED"]);
      expect(errorCodes(await accounts.execute(CreateMarketplaceDocument, { input: marketplaceInput() }, null))).toEqual([
        "UNAUTHENTICATED",
      ]);
    });

    it("FORBIDDEN for a seller, a marketplace or an internal service creating accounts", async () => {
      const { seller } = await createSeller();
      const { marketplace } = await createMarketplace();
      for (const principal of [sellerPrincipal(seller.id), marketplacePrincipal(marketplace.id), SERVICE]) {
        const before = await connection.collection("sellers").countDocuments();
        expect(errorCodes(await accounts.execute(CreateSellerDocument, { input: sellerInput() }, principal))).toEqual(["FORBIDDEN"]);
        expect(errorCodes(await accounts.execute(CreateMarketplaceDocument, { input: marketplaceInput() }, principal))).toEqual([
          "FORBIDDEN",
        ]);
        expect(await connection.collection("sellers").countDocuments()).toBe(before);
      }
    });

    it.each([-1, 101])("BAD_USER_INPUT for first = %i", async (first) => {
      expect(errorCodes(await accounts.execute(SellersDocument, { first }))).toEqual(["BAD_USER_INPUT"]);
    });

    it("BAD_USER_INPUT for a cursor it did not issue", async () => {
      expect(errorCodes(await accounts.execute(SellersDocument, { after: "not a cursor" }))).toEqual(["BAD_USER_INPUT"]);
    });
  });

  describe("viewer and _authenticate", () => {
    it("shows the caller, and null for anonymous or an internal service", async () => {
      const { seller } = await createSeller();
      expect((await accounts.execute(ViewerDocument, {}, ADMIN)).data).toEqual({ viewer: { kind: "ADMIN", id: null } });
      expect((await accounts.execute(ViewerDocument, {}, sellerPrincipal(seller.id))).data).toEqual({
        viewer: { kind: "SELLER", id: seller.id },
      });
      expect((await accounts.execute(ViewerDocument, {}, null)).data).toEqual({ viewer: null });
      expect((await accounts.execute(ViewerDocument, {}, SERVICE)).data).toEqual({ viewer: null });
    });

    const AUTHENTICATE = `query ($k: String!) { _authenticate(apiKey: $k) { kind id } }`;

    it("resolves keys only for an internal service", async () => {
      const { seller, apiKey } = await createSeller();
      expect((await accounts.execute(AUTHENTICATE, { k: apiKey }, SERVICE)).data).toEqual({
        _authenticate: { kind: "SELLER", id: seller.id },
      });
      expect((await accounts.execute(AUTHENTICATE, { k: accounts.adminApiKey }, SERVICE)).data).toEqual({
        _authenticate: { kind: "ADMIN", id: null },
      });
      expect(errorCodes(await accounts.execute(AUTHENTICATE, { k: apiKey }, ADMIN))).toEqual(["FORBIDDEN"]);
      expect(errorCodes(await accounts.execute(AUTHENTICATE, { k: apiKey }, null))).toEqual(["UNAUTHENTICATED"]);
    });

    it("returns null for an unknown, malformed or tampered key", async () => {
      const { apiKey } = await createSeller();
      const tampered = apiKey.slice(0, -1) + (apiKey.endsWith("A") ? "B" : "A");
      const unknownId = apiKey.replace(/^og_[0-9a-f]{16}_/, "og_0000000000000000_");
      for (const k of [tampered, unknownId, "og_nope", "", `${accounts.adminApiKey}x`]) {
        expect((await accounts.execute(AUTHENTICATE, { k }, SERVICE)).data).toEqual({ _authenticate: null });
      }
    });
  });
});
