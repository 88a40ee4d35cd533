import { GraphQLClient } from "../helpers/graphql-client";
import { gtinCheckDigit } from "../fixtures";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";
import { runNode } from "../helpers/processes";

/** `npm run demo` (dist/scripts/demo.js) against the embedded service, at a small scale. */
describe("the demo", () => {
  let og: TestOffergate;
  beforeAll(async () => {
    og = await startTestOffergate();
  });
  afterAll(() => og.close());

  it("creates the world it prints, with working keys, then keeps stock moving until interrupted", async () => {
    const demo = runNode("scripts/demo.js", {}, {
      args: [
        ...["--url", og.url, "--admin-key", og.adminApiKey],
        ...["--sellers", "6", "--marketplaces", "7", "--products", "8", "--interval-ms", "1500"],
      ],
    });
    await demo.waitFor(/Moving stock/, 180_000);
    // Counted before the first move (1.5 s later): stock moving opens gates, and auto-forwarding then adds offers.
    const counts = await og.anonymous.post({ query: "{ sellers(first: 0) { totalCount } marketplaces(first: 0) { totalCount } products(first: 0) { totalCount } offers(first: 0) { totalCount } }" });
    const moves = await demo.waitFor(/(?:.*→ \d+\n){3}/, 30_000);
    demo.child.kill("SIGINT");
    expect(await demo.exit()).toBe(0);
    const out = demo.output();

    const [, sellers, marketplaces, products, routes, policies, offers, forwards] =
      /Created (\d+) sellers, (\d+) marketplaces, (\d+) products,\n(\d+) routes \(([^)]*)\), \d+ stock levels, (\d+) offers and (\d+) forwards\./.exec(out)!;
    expect([sellers, marketplaces, products].map(Number)).toEqual([6, 7, 8]);
    // What it says is there: in a fresh service, exactly that.
    expect(counts.data).toEqual({
      sellers: { totalCount: 6 },
      marketplaces: { totalCount: 7 },
      products: { totalCount: 8 },
      offers: { totalCount: Number(offers) + Number(forwards) },
    });
    expect(Number(forwards)).toBeGreaterThan(0);

    // Every quantity policy among the routes, as printed and as the API shows them.
    expect(policies).toMatch(/[1-9]\d* SELLER_GATED, [1-9]\d* MIN_OF_CHAIN, [1-9]\d* FORWARDER_OWN/);
    // (One query per marketplace for its offers: all in one would pass the cost limit.)
    const { data } = await og.anonymous.post({
      query: "{ marketplaces(first: 20) { edges { node { id downstreamRoutes { quantityPolicy } } } } products(first: 20) { edges { node { gtin } } } }",
    });
    expect(data).toBeTruthy();
    type Listing = { depth: number; available: boolean; unavailableReason: string | null };
    type Market = { id: string; downstreamRoutes: { quantityPolicy: string }[]; offers: { edges: { node: Listing }[] } };
    const markets: Market[] = data.marketplaces.edges.map((e: { node: Market }) => e.node);
    for (const m of markets) {
      const page = await og.anonymous.post({
        query: "query($id: ID!) { marketplace(id: $id) { offers(first: 100) { edges { node { depth available unavailableReason } } } } }",
        variables: { id: m.id },
      });
      m.offers = page.data.marketplace.offers;
    }
    const routeList = markets.flatMap((m) => m.downstreamRoutes);
    expect(routeList).toHaveLength(Number(routes));
    expect(new Set(routeList.map((r) => r.quantityPolicy))).toEqual(new Set(["SELLER_GATED", "MIN_OF_CHAIN", "FORWARDER_OWN"]));
    // Chains: offers two hops down; both available offers and ones the rules keep unavailable.
    const all = markets.flatMap((m) => m.offers.edges.map((o) => o.node));
    expect(new Set(all.map((o) => o.depth))).toEqual(new Set([0, 1, 2]));
    expect(all.some((o) => o.available)).toBe(true);
    expect(all.some((o) => !o.available)).toBe(true);
    // Real-looking GTINs: EAN-13, GS1 Brazil's prefix, a valid check digit (checked independently).
    for (const { node } of data.products.edges as { node: { gtin: string } }[]) {
      expect(node.gtin).toMatch(/^789\d{10}$/);
      expect(node.gtin.at(-1)).toBe(gtinCheckDigit(node.gtin.slice(0, -1)));
    }

    // The printed keys work, each as its own account.
    const keys = [...out.matchAll(/^ {2}.+ ((?:sel|mkt)_\S+) {2}(og_\S+)$/gm)].map((m) => ({ id: m[1]!, key: m[2]! }));
    expect(keys).toHaveLength(6 + 7);
    for (const { id, key } of [keys[0]!, keys.at(-1)!]) {
      const viewer = await new GraphQLClient(og.url, key).post({ query: "{ viewer { kind id } }" });
      expect(viewer.data!.viewer).toEqual({ kind: id.startsWith("sel_") ? "SELLER" : "MARKETPLACE", id });
    }
    expect(out).toContain(`${og.origin}/graphql`);
    expect(out).toMatch(new RegExp(`${og.origin}/\\?productId=prd_\\S+`));

    // Stock moved, and the last move of a level is what the API shows.
    const lines = moves[0].trim().split("\n");
    expect(lines).toHaveLength(3);
    const last = /\((\S+)\): .* \((prd_\S+)\) [-+]\d → (\d+)$/.exec(out.trim().split("\n").at(-1)!)!;
    const level = await og.admin.post({
      query: "query($o: ID!, $p: ID!) { stockLevel(ownerId: $o, productId: $p) { quantity } }",
      variables: { o: last[1], p: last[2] },
    });
    expect(level.data!.stockLevel.quantity).toBe(Number(last[3]));
  }, 240_000);
});
