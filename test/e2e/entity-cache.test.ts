import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { Kind, parse, type ObjectTypeDefinitionNode } from "graphql";
import { cacheableFetch, IMMUTABLE_ENTITIES } from "../../src/gateway/entity-cache";
import { buildWorld, type World } from "../helpers/exchange";
import { metric } from "../helpers/feed-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

interface OfferGraph {
  offer: {
    id: string;
    seller: { id: string; name: string; createdAt: string };
    marketplace: { id: string; name: string };
    product: { id: string; gtin: string; name: string };
  } | null;
}
const OFFER: TypedDocumentNode<OfferGraph, { id: string }> = parse(`
  query ($id: ID!) { offer(id: $id) { id seller { id name createdAt } marketplace { id name } product { id gtin name } } }
`);

/** Reads of the collections that hold the immutable entities, as /metrics counts them. */
const entityReads = async (og: TestOffergate) => {
  const reads = async (collection: string) => metric(og.origin, "offergate_db_commands_total", `collection="${collection}",command="find"`);
  return { sellers: await reads("sellers"), marketplaces: await reads("marketplaces"), products: await reads("products") };
};
const cache = async (og: TestOffergate) => ({
  hit: await metric(og.origin, "offergate_gateway_entity_cache_total", 'result="hit"'),
  miss: await metric(og.origin, "offergate_gateway_entity_cache_total", 'result="miss"'),
});

const AFFILIATE: TypedDocumentNode<unknown, { s: string; m: string }> = parse(
  "mutation ($s: ID!, $m: ID!) { affiliateSeller(sellerId: $s, marketplaceId: $m) { createdAt } }",
);
const STOCK: TypedDocumentNode<unknown, { s: string; p: string }> = parse(
  "mutation ($s: ID!, $p: ID!) { setStock(input: { ownerId: $s, productId: $p, quantity: 3 }) { version } }",
);
const SUBMIT: TypedDocumentNode<{ submitOffer: { id: string } }, { s: string; m: string; p: string }> = parse(
  'mutation ($s: ID!, $m: ID!, $p: ID!) { submitOffer(input: { sellerId: $s, marketplaceId: $m, productId: $p, price: 900, currency: "BRL" }) { id } }',
);

/**
 * One seller and product listed at two marketplaces: two offers, made with
 * mutations that select no seller, marketplace or product, so that the
 * gateway has fetched none of them yet.
 */
async function twoOffers(og: TestOffergate): Promise<{ w: World; offers: string[] }> {
  const w = await buildWorld(og.admin, 2);
  await og.admin.data(STOCK, { s: w.sellerId, p: w.productId });
  const offers: string[] = [];
  for (const m of w.ids) {
    await og.admin.data(AFFILIATE, { s: w.sellerId, m });
    offers.push((await og.admin.data(SUBMIT, { s: w.sellerId, m, p: w.productId })).submitOffer.id);
  }
  return { w, offers };
}

describe("the gateway's cache of immutable entities", () => {
  let og: TestOffergate;
  beforeAll(async () => {
    og = await startTestOffergate();
  });
  afterAll(() => og.close());

  it("asks the subgraphs for a seller, marketplace or product once, and for only what it does not hold", async () => {
    const { w, offers } = await twoOffers(og);
    const expected = (i: number) => ({
      id: offers[i],
      seller: { id: w.sellerId, name: w.seller.seller.name, createdAt: expect.any(String) },
      marketplace: { id: w.ids[i], name: w.markets[i]!.marketplace.name },
      product: { id: w.productId, gtin: w.product.gtin, name: w.product.name },
    });

    const [before, countedBefore] = [await entityReads(og), await cache(og)];
    const first = await og.admin.data(OFFER, { id: offers[0]! });
    expect(first.offer).toEqual(expected(0));
    const [reads, counted] = [await entityReads(og), await cache(og)];
    expect(counted).toEqual({ hit: countedBefore.hit, miss: countedBefore.miss + 3 });
    expect([reads.sellers - before.sellers, reads.marketplaces - before.marketplaces, reads.products - before.products]).toEqual([1, 1, 1]);

    // The same offer again: the same answer, and not one read of those collections.
    expect(await og.admin.data(OFFER, { id: offers[0]! })).toEqual(first);
    expect(await entityReads(og)).toEqual(reads);
    expect(await cache(og)).toEqual({ hit: counted.hit + 3, miss: counted.miss });

    // The other offer: the same seller and product, another marketplace, which alone is asked for.
    expect((await og.admin.data(OFFER, { id: offers[1]! })).offer).toEqual(expected(1));
    expect(await entityReads(og)).toEqual({ ...reads, marketplaces: reads.marketplaces + 1 });
    expect(await cache(og)).toEqual({ hit: counted.hit + 5, miss: counted.miss + 1 });
  });

  it("holds nothing with ENTITY_CACHE_SIZE=0", async () => {
    const uncached = await startTestOffergate({ ENTITY_CACHE_SIZE: "0" });
    try {
      const { offers } = await twoOffers(uncached);
      await uncached.admin.data(OFFER, { id: offers[0]! });
      const reads = await entityReads(uncached);
      await uncached.admin.data(OFFER, { id: offers[0]! });
      const again = await entityReads(uncached);
      expect([again.sellers - reads.sellers, again.marketplaces - reads.marketplaces, again.products - reads.products]).toEqual([1, 1, 1]);
    } finally {
      await uncached.close();
    }
  });
});

describe("what may be cached", () => {
  const entities = (s: string) => parse(`{ _entities(representations: $r) { ${s} } }`);

  it("is an _entities fetch of listed fields of listed types only", () => {
    const types = IMMUTABLE_ENTITIES.accounts!;
    expect(cacheableFetch(entities("__typename ... on Seller { name createdAt } ... on Marketplace { id name }"), types)).toBeDefined();
    // A field, a type or a shape not listed: not cached.
    expect(cacheableFetch(entities("... on Seller { name apiKeyHash }"), types)).toBeUndefined();
    expect(cacheableFetch(entities("... on Offer { price }"), types)).toBeUndefined();
    expect(cacheableFetch(entities("... on Seller { name @include(if: true) }"), types)).toBeUndefined();
    expect(cacheableFetch(entities("... on Seller { n: name }"), types)).toBeDefined();
    expect(cacheableFetch(parse("{ seller(id: \"sel_1\") { name } }"), types)).toBeUndefined();
    expect(cacheableFetch(parse("mutation { _entities(representations: []) { ... on Seller { name } } }"), types)).toBeUndefined();
  });

  it("lists every field of the entity types these subgraphs own: a new field needs a decision here", () => {
    for (const [subgraph, types] of Object.entries(IMMUTABLE_ENTITIES)) {
      const sdl = parse(readFileSync(join(__dirname, "../../schema", `${subgraph}.graphql`), "utf8"));
      const keyed = sdl.definitions.filter(
        (d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && !!d.directives?.some((x) => x.name.value === "key"),
      );
      expect(Object.fromEntries(keyed.map((t) => [t.name.value, t.fields!.map((f) => f.name.value).sort()]))).toEqual(
        Object.fromEntries(Object.entries(types).map(([t, fields]) => [t, [...fields].sort()])),
      );
    }
  });
});
