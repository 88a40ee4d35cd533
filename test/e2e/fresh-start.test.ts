import {
  CreateMarketplaceDocument,
  CreateProductDocument,
  CreateSellerDocument,
  MarketplacesDocument,
  ProductByGtinDocument,
  ProductsDocument,
  SellerDocument,
  SellersDocument,
  ViewerDocument,
} from "../generated/graphql";
import { marketplaceInput, productInput, sellerInput, uniqueGtin } from "../fixtures";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/** The first requests a new deployment sees, in order, on an empty database. */
let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate();
});
afterAll(() => og?.close());

describe("a fresh start", () => {
  it("answers the first query with empty lists", async () => {
    expect(await og.anonymous.data(ViewerDocument)).toEqual({ viewer: null });
    const empty = { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] };
    expect(await og.anonymous.data(SellersDocument)).toEqual({ sellers: empty });
    expect(await og.anonymous.data(MarketplacesDocument)).toEqual({ marketplaces: empty });
    expect(await og.anonymous.data(ProductsDocument)).toEqual({ products: empty });
  });

  it("onboards a seller, a marketplace and a product, and serves them back", async () => {
    const { createSeller } = await og.admin.data(CreateSellerDocument, { input: sellerInput() });
    const { createMarketplace } = await og.admin.data(CreateMarketplaceDocument, { input: marketplaceInput() });
    const gtin = uniqueGtin(12);
    const { createProduct } = await og.admin.data(CreateProductDocument, { input: productInput({ gtin }) });

    expect(await og.anonymous.data(SellerDocument, { id: createSeller.seller.id })).toEqual({ seller: createSeller.seller });
    expect(await og.anonymous.data(ProductByGtinDocument, { gtin: `00${gtin}` })).toEqual({ product: createProduct });
    expect((await og.anonymous.data(SellersDocument)).sellers.edges.map((e) => e.node)).toEqual([createSeller.seller]);
    expect((await og.anonymous.data(MarketplacesDocument)).marketplaces.totalCount).toBe(1);

    // The keys returned once work at once.
    expect(await og.as(createSeller.apiKey).data(ViewerDocument)).toEqual({ viewer: { kind: "SELLER", id: createSeller.seller.id } });
    expect(await og.as(createMarketplace.apiKey).data(ViewerDocument)).toEqual({
      viewer: { kind: "MARKETPLACE", id: createMarketplace.marketplace.id },
    });
  });
});
