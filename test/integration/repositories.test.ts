import type { Connection } from "mongoose";
import { marketplaceModel, sellerModel } from "../../src/accounts/account/account.model";
import { AccountRepository } from "../../src/accounts/account/account.repository";
import { accountKeyModel, apiKeyModel } from "../../src/accounts/api-key/api-key.model";
import { ApiKeyRepository } from "../../src/accounts/api-key/api-key.repository";
import { ApiKeyService } from "../../src/accounts/api-key/api-key.service";
import { productModel } from "../../src/catalog/product/product.model";
import { ProductRepository } from "../../src/catalog/product/product.repository";
import { ensureIndexes, pingMongo } from "../../src/shared/mongo";
import { encodeCursor } from "../../src/shared/pagination";
import { uniqueGtin, uniqueName } from "../fixtures";
import { startTestMongo, type TestMongo } from "../helpers/mongo";

/** Data access against the embedded server, without GraphQL. */
let mongo: TestMongo;
let connection: Connection;

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect();
});
afterAll(() => mongo?.stop());

describe("ProductRepository", () => {
  let products: ProductRepository;
  beforeAll(async () => {
    const model = productModel(connection);
    await ensureIndexes([model]);
    products = new ProductRepository(model);
  });

  it("builds the unique index on the 14-digit GTIN", async () => {
    const indexes = await connection.collection("products").indexes();
    expect(indexes).toEqual(expect.arrayContaining([expect.objectContaining({ key: { gtin14: 1 }, unique: true })]));
  });

  it("maps a duplicate 14-digit GTIN to ALREADY_EXISTS, whatever the name or the form given", async () => {
    const gtin = uniqueGtin(12);
    const created = await products.create({ gtin, gtin14: `00${gtin}`, name: uniqueName("P") });
    await expect(products.create({ gtin: `0${gtin}`, gtin14: `00${gtin}`, name: uniqueName("P") })).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
    });
    await expect(products.findByGtin14(`00${gtin}`)).resolves.toEqual(created);
  });

  it("pages oldest first after a key, with the total", async () => {
    const made = [];
    for (let i = 0; i < 5; i++) {
      const gtin = uniqueGtin(13);
      made.push(await products.create({ gtin, gtin14: `0${gtin}`, name: uniqueName("P") }));
    }
    const { rows: all, total } = await products.page({ first: 100 });
    expect(total).toBe(all.length);
    const ids = all.map((p) => p.id);
    expect(ids).toEqual([...ids].sort());
    const i = ids.indexOf(made[1]!.id);
    const { rows } = await products.page({ first: 2, afterKey: made[1]!.id });
    // first + 1 rows: the extra one tells the connection there is a next page.
    expect(rows.map((p) => p.id)).toEqual(ids.slice(i + 1, i + 4));
    expect(rows.slice(0, 3)).toEqual(made.slice(2, 5));
  });

  it("finds many by id in one call, skipping unknown ids", async () => {
    const gtin = uniqueGtin(8);
    const p = await products.create({ gtin, gtin14: gtin.padStart(14, "0"), name: uniqueName("P") });
    await expect(products.findByIds([p.id, "prd_000000000000000000000000"])).resolves.toEqual([p]);
  });
});

describe("AccountRepository", () => {
  it("keeps sellers and marketplaces apart, with ids that say their kind", async () => {
    const sellers = new AccountRepository(sellerModel(connection), "seller");
    const markets = new AccountRepository(marketplaceModel(connection), "marketplace");
    const s = await sellers.create(uniqueName("S"));
    const m = await markets.create(uniqueName("M"));
    expect(s.id).toMatch(/^sel_/);
    expect(m.id).toMatch(/^mkt_/);
    await expect(sellers.findByIds([s.id, m.id])).resolves.toEqual([s]);
    await expect(markets.findByIds([s.id, m.id])).resolves.toEqual([m]);
  });

  it("lists in creation order: ids created later sort after", async () => {
    const sellers = new AccountRepository(sellerModel(connection), "seller");
    const created = [];
    for (let i = 0; i < 10; i++) created.push(await sellers.create(uniqueName("S")));
    const { rows } = await sellers.page({ first: 100, afterKey: created[0]!.id });
    expect(rows.map((r) => r.id).slice(0, 9)).toEqual(created.slice(1).map((c) => c.id));
    expect(encodeCursor(created[0]!.id)).not.toBe(encodeCursor(created[1]!.id));
  });
});

describe("ApiKeyService", () => {
  const admin = `og_admin_${"a".repeat(30)}`;
  let service: ApiKeyService;
  let repository: ApiKeyRepository;
  beforeAll(async () => {
    const model = apiKeyModel(connection);
    const current = accountKeyModel(connection);
    await ensureIndexes([model, current]);
    repository = new ApiKeyRepository(model, current);
    service = new ApiKeyService(repository, admin);
  });

  it("issues keys of the documented shape that authenticate as their account", async () => {
    const { apiKey, keyId } = await service.issue("SELLER", "sel_0123456789abcdef01234567");
    expect(apiKey).toMatch(/^og_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toContain(keyId);
    await expect(service.authenticate(apiKey)).resolves.toEqual({ kind: "SELLER", id: "sel_0123456789abcdef01234567" });
    await expect(service.authenticate(admin)).resolves.toEqual({ kind: "ADMIN", id: null });
  });

  it("once a key is made current, refuses every other key of the account", async () => {
    const owner = "mkt_0123456789abcdef01234567";
    const old = await service.issue("MARKETPLACE", owner);
    const current = await service.issue("MARKETPLACE", owner);
    await expect(repository.makeCurrent(owner, current.keyId)).resolves.toBe(1);
    await expect(service.authenticate(old.apiKey)).resolves.toBeNull();
    await expect(service.authenticate(current.apiKey)).resolves.toEqual({ kind: "MARKETPLACE", id: owner });
    // Back to the old one: the newest write wins, whichever key it names.
    await expect(repository.makeCurrent(owner, old.keyId)).resolves.toBe(2);
    await expect(service.authenticate(current.apiKey)).resolves.toBeNull();
    await expect(service.authenticate(old.apiKey)).resolves.toEqual({ kind: "MARKETPLACE", id: owner });
  });

  it("of concurrent makeCurrent calls on an account never rotated, exactly one key is left working", async () => {
    const owner = "sel_00000000000000000000abcd";
    const keys = await Promise.all(Array.from({ length: 6 }, () => service.issue("SELLER", owner)));
    const generations = await Promise.all(keys.map((k) => repository.makeCurrent(owner, k.keyId)));
    expect([...generations].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const working = await Promise.all(keys.map((k) => service.authenticate(k.apiKey)));
    // The one written last (generation 6), and no other.
    expect(working.map((p, i) => (p ? generations[i] : null)).filter((g) => g !== null)).toEqual([6]);
    expect(await repository.currentOf(owner)).toMatchObject({ generation: 6, keyId: keys[generations.indexOf(6)]!.keyId });
  });
});

describe("pingMongo", () => {
  it("is true while the server answers and false once the connection is closed", async () => {
    const c = await mongo.connect();
    await expect(pingMongo(c)).resolves.toBe(true);
    await c.close();
    await expect(pingMongo(c)).resolves.toBe(false);
  });
});
