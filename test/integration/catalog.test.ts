import type { Connection } from "mongoose";
import { CreateProductDocument, ProductByGtinDocument, ProductByIdDocument, ProductLookupDocument, ProductsDocument } from "../generated/graphql";
import { productInput, uniqueGtin, uniqueName, withWrongCheckDigit } from "../fixtures";
import { errorCodes } from "../helpers/graphql-client";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { ADMIN, SERVICE, catalogHarness, marketplacePrincipal, sellerPrincipal } from "../helpers/subgraph";

let mongo: TestMongo;
let connection: Connection;
let catalog: Awaited<ReturnType<typeof catalogHarness>>;

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect();
  catalog = await catalogHarness(connection);
});
afterAll(async () => {
  await catalog?.stop();
  await mongo?.stop();
});

const createProduct = async (overrides: { gtin?: string; name?: string } = {}) => {
  const result = await catalog.execute(CreateProductDocument, { input: productInput(overrides) }, ADMIN);
  expect(result.errors).toBeUndefined();
  return result.data!.createProduct;
};
const productCount = () => connection.collection("products").countDocuments();

const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Product { id gtin name }
    }
  }
`;

describe("catalog subgraph", () => {
  it("resolves Product references in the order asked, null for an unknown id", async () => {
    const a = await createProduct();
    const b = await createProduct();
    const result = await catalog.execute(ENTITIES, {
      representations: [
        { __typename: "Product", id: b.id },
        { __typename: "Product", id: "prd_000000000000000000000000" },
        { __typename: "Product", id: a.id },
        { __typename: "Product", id: b.id },
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([
      { __typename: "Product", ...b },
      null,
      { __typename: "Product", ...a },
      { __typename: "Product", ...b },
    ]);
  });

  it.each([8, 12, 13, 14] as const)("creates a product with a GTIN-%i and finds it by id and by GTIN", async (length) => {
    const product = await createProduct({ gtin: uniqueGtin(length) });
    expect(product.id).toMatch(/^prd_[0-9a-f]{24}$/);
    expect((await catalog.execute(ProductByIdDocument, { id: product.id })).data).toEqual({ product });
    expect((await catalog.execute(ProductByGtinDocument, { gtin: product.gtin })).data).toEqual({ product });
  });

  it("treats a GTIN and its zero-padded forms as one product, and reads gtin back as created", async () => {
    const gtin12 = uniqueGtin(12);
    const product = await createProduct({ gtin: gtin12 });
    expect(product.gtin).toBe(gtin12);
    for (const form of [`0${gtin12}`, `00${gtin12}`]) {
      expect((await catalog.execute(ProductByGtinDocument, { gtin: form })).data).toEqual({ product });
    }
    const gtin8 = uniqueGtin(8);
    const short = await createProduct({ gtin: gtin8 });
    for (const form of [`0000${gtin8}`, `00000${gtin8}`, `000000${gtin8}`]) {
      expect((await catalog.execute(ProductByGtinDocument, { gtin: form })).data).toEqual({ product: short });
    }
  });

  it("returns null for a valid GTIN that nothing has", async () => {
    expect((await catalog.execute(ProductByGtinDocument, { gtin: uniqueGtin(13) })).data).toEqual({ product: null });
    expect((await catalog.execute(ProductByIdDocument, { id: "prd_000000000000000000000000" })).data).toEqual({ product: null });
  });

  describe("error codes", () => {
    it.each([
      ["a wrong check digit", () => withWrongCheckDigit(uniqueGtin(13))],
      ["11 digits", () => uniqueGtin(12).slice(1)],
      ["letters", () => "ABCDEFGHIJKLM"],
      ["empty", () => ""],
    ])("BAD_USER_INPUT for a GTIN with %s, and nothing is created", async (_, gtin) => {
      const before = await productCount();
      const result = await catalog.execute(CreateProductDocument, { input: productInput({ gtin: gtin() }) }, ADMIN);
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors![0]!.message).toMatch(/GTIN/);
      expect(await productCount()).toBe(before);
    });

    it.each([
      ["empty", ""],
      ["201 characters", "p".repeat(201)],
    ])("BAD_USER_INPUT for a name that is %s", async (_, name) => {
      const before = await productCount();
      expect(errorCodes(await catalog.execute(CreateProductDocument, { input: productInput({ name }) }, ADMIN))).toEqual([
        "BAD_USER_INPUT",
      ]);
      expect(await productCount()).toBe(before);
    });

    it("BAD_USER_INPUT for product() with both id and gtin, or neither, or a bad GTIN", async () => {
      const p = await createProduct();
      expect(errorCodes(await catalog.execute(ProductLookupDocument, { id: p.id, gtin: p.gtin }))).toEqual(["BAD_USER_INPUT"]);
      expect(errorCodes(await catalog.execute(ProductLookupDocument, {}))).toEqual(["BAD_USER_INPUT"]);
      expect(errorCodes(await catalog.execute(ProductByGtinDocument, { gtin: withWrongCheckDigit(p.gtin) }))).toEqual([
        "BAD_USER_INPUT",
      ]);
    });

    it.each([-1, 101])("BAD_USER_INPUT for products(first: %i)", async (first) => {
      expect(errorCodes(await catalog.execute(ProductsDocument, { first }))).toEqual(["BAD_USER_INPUT"]);
    });

    it("ALREADY_EXISTS for the same GTIN again, in any padded form, and nothing is created", async () => {
      const gtin12 = uniqueGtin(12);
      const original = await createProduct({ gtin: gtin12 });
      for (const gtin of [gtin12, `0${gtin12}`, `00${gtin12}`]) {
        const before = await productCount();
        const result = await catalog.execute(CreateProductDocument, { input: productInput({ gtin }) }, ADMIN);
        expect(errorCodes(result)).toEqual(["ALREADY_EXISTS"]);
        expect(await productCount()).toBe(before);
      }
      const padded14 = `00${gtin12}`;
      const duplicate14 = await catalog.execute(CreateProductDocument, { input: productInput({ gtin: padded14 }) }, ADMIN);
      expect(duplicate14.errors![0]!.message).toContain(padded14);
      expect((await catalog.execute(ProductByGtinDocument, { gtin: gtin12 })).data).toEqual({ product: original });
    });

    it("lets exactly one of several concurrent creates of one GTIN succeed", async () => {
      const gtin13 = uniqueGtin(13);
      const results = await Promise.all(
        [gtin13, `0${gtin13}`, gtin13, `0${gtin13}`, gtin13].map((gtin) =>
          catalog.execute(CreateProductDocument, { input: productInput({ gtin }) }, ADMIN),
        ),
      );
      expect(results.filter((r) => r.data?.createProduct).length).toBe(1);
      expect(results.flatMap((r) => errorCodes(r))).toEqual(Array(4).fill("ALREADY_EXISTS"));
      expect(await connection.collection("products").countDocuments({ gtin14: `0${gtin13}` })).toBe(1);
    });

    it("ALREADY_EXISTS when the 14-digit form came first", async () => {
      const gtin8 = uniqueGtin(8);
      await createProduct({ gtin: `000000${gtin8}` });
      expect(errorCodes(await catalog.execute(CreateProductDocument, { input: productInput({ gtin: gtin8 }) }, ADMIN))).toEqual([
        "ALREADY_EXISTS",
      ]);
    });

    it("UNAUTHENTICATED for an anonymous createProduct", async () => {
      const before = await productCount();
      expect(errorCodes(await catalog.execute(CreateProductDocument, { input: productInput() }, null))).toEqual(["UNAUTHENTICATED"]);
      expect(await productCount()).toBe(before);
    });

    it("FORBIDDEN for a seller, a marketplace or an internal service creating a product", async () => {
      const before = await productCount();
      for (const principal of [sellerPrincipal("sel_0123456789abcdef01234567"), marketplacePrincipal("mkt_0123456789abcdef01234567"), SERVICE]) {
        expect(errorCodes(await catalog.execute(CreateProductDocument, { input: productInput() }, principal))).toEqual(["FORBIDDEN"]);
      }
      expect(await productCount()).toBe(before);
    });

    it("checks the caller before the input: an anonymous bad GTIN is UNAUTHENTICATED", async () => {
      const input = { gtin: "123", name: uniqueName("P") };
      expect(errorCodes(await catalog.execute(CreateProductDocument, { input }, null))).toEqual(["UNAUTHENTICATED"]);
      expect(errorCodes(await catalog.execute(CreateProductDocument, { input }, sellerPrincipal("sel_0123456789abcdef01234567")))).toEqual([
        "FORBIDDEN",
      ]);
    });
  });
});
