import { ForwardOfferDocument, OffersDocument } from "../generated/graphql";
import { buildWorld } from "../helpers/exchange";
import { httpGet, startTestOffergate, type TestOffergate } from "../helpers/offergate";

let og: TestOffergate;
beforeAll(async () => {
  // No background sweeps, nor the import runner's idle look for work, while queries are being counted.
  og = await startTestOffergate({ FEED_SWEEP_INTERVAL_MS: "3600000", IMPORT_POLL_MS: "3600000" });
});
afterAll(async () => {
  await og.close();
});

/** The database commands counted on `/metrics`, by "collection command". */
async function dbCommands(): Promise<Map<string, number>> {
  const { body } = await httpGet(`${og.origin}/metrics`);
  const counts = new Map<string, number>();
  for (const match of body.matchAll(/^offergate_db_commands_total\{collection="([^"]*)",command="([^"]*)"\} (\d+)/gm)) {
    counts.set(`${match[1]} ${match[2]}`, Number(match[3]));
  }
  return counts;
}

async function commandsDuring(run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await dbCommands();
  await run();
  const after = await dbCommands();
  const diff: Record<string, number> = {};
  for (const [key, n] of after) if (n - (before.get(key) ?? 0) > 0) diff[key] = n - (before.get(key) ?? 0);
  return diff;
}

/** `chains` offers at A of one seller each forwarded to B and on to C. */
async function chainsOf(chains: number) {
  const w = await buildWorld(og.admin, 3);
  const [a, b, c] = w.ids as [string, string, string];
  await w.openRoute(a, b);
  await w.openRoute(b, c);
  await w.setStock(a, 1);
  await w.setStock(b, 1);
  for (let i = 0; i < chains; i++) {
    const seller = await buildWorld(og.admin, 0);
    await og.admin.post({ query: `mutation { affiliateSeller(sellerId: "${seller.sellerId}", marketplaceId: "${a}") { createdAt } }` });
    const offer = await og.admin.post({
      query: "mutation($i: SubmitOfferInput!) { submitOffer(input: $i) { id } }",
      variables: { i: { sellerId: seller.sellerId, marketplaceId: a, productId: w.productId, price: 1, currency: "BRL" } },
    });
    const atB = (await og.admin.data(ForwardOfferDocument, { offerId: offer.data.submitOffer.id, to: b })).forwardOffer;
    await og.admin.data(ForwardOfferDocument, { offerId: atB.id, to: c });
  }
  return { w, a, b, c };
}

const GRAPH = `query($m: ID!, $first: Int) {
  offers(filter: { marketplaceId: $m }, first: $first) {
    edges { node {
      id path depth
      product { name } seller { name } marketplace { name } via { name }
      source { id source { id } }
      forwards { id marketplace { name } forwards { id via { name } } }
    } }
  }
}`;

describe("walking the offer graph is batched", () => {
  it("costs the same database round trips for 3 and for 30 chains, whatever their length", async () => {
    const small = await chainsOf(3);
    const large = await chainsOf(30);
    const cost = async (marketplaceId: string, expected: number) =>
      commandsDuring(async () => {
        const r = await og.anonymous.post({ query: GRAPH, variables: { m: marketplaceId, first: 100 } });
        expect(r.errors).toBeUndefined();
        expect(r.data.offers.edges).toHaveLength(expected);
      });
    // Walk down from A (sources none, forwards two levels) and up from C (sources two levels).
    for (const [from, to] of [["a", "a"], ["c", "c"]] as const) {
      const few = await cost(small[from], 3);
      const many = await cost(large[to], 30);
      expect(many).toEqual(few);
    }
    // One query per level and kind, not per offer: a handful in all.
    const total = Object.values(await cost(large.a, 30)).reduce((x, y) => x + y, 0);
    expect(total).toBeLessThanOrEqual(12);
  });

  it("a page of 5 and a page of 40 offers cost the same round trips", async () => {
    const { a } = await chainsOf(40);
    const five = await commandsDuring(() => og.anonymous.data(OffersDocument, { filter: { marketplaceId: a }, first: 5 }));
    const forty = await commandsDuring(() => og.anonymous.data(OffersDocument, { filter: { marketplaceId: a }, first: 40 }));
    expect(forty).toEqual(five);
  });
});
