import type { Connection, mongo as driver } from "mongoose";
import { createLocalBus } from "../../src/shared/bus";
import { createExchangeSubgraph } from "../../src/exchange";
import { EMBEDDED_FEED_PARTITIONS } from "../../src/exchange/feed/feed.layout";
import { startSubgraphServer, type RunningSubgraph } from "../../src/shared/subgraph-server";
import { createAccountsSubgraph } from "../../src/accounts";
import { createCatalogSubgraph } from "../../src/catalog";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { ADMIN, testSecret } from "../helpers/subgraph";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { formatError } from "../../src/shared/errors";
import type { Principal } from "../../src/shared/principal";

/**
 * The exchange subgraph's entities, executed against its own schema: the
 * gateway's `_entities` calls for Offer, and for the Seller, Marketplace and
 * Product fields the exchange adds, each answered in one query per
 * collection however many references come in one call.
 */
let mongo: TestMongo;
let connection: Connection;
const servers: RunningSubgraph[] = [];
let exchange: Awaited<ReturnType<typeof createExchangeSubgraph>>;
let apollo: ApolloServer<BaseContext>;
const commands: driver.CommandStartedEvent[] = [];

async function run(query: string, variables: Record<string, unknown> = {}, principal: Principal | null = ADMIN) {
  const response = await apollo.executeOperation({ query, variables }, { contextValue: await exchange.createContext(principal) });
  if (response.body.kind !== "single") throw new Error("expected a single result");
  return JSON.parse(JSON.stringify(response.body.singleResult)) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

async function findsDuring(collection: string, action: () => Promise<unknown>) {
  const from = commands.length;
  await action();
  return commands.slice(from).filter((c) => c.commandName === "find" && c.command.find === collection);
}

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect({ monitorCommands: true });
  connection.getClient().on("commandStarted", (e) => commands.push(e));
  const secret = testSecret();
  const accounts = await createAccountsSubgraph({ connection, adminApiKey: `og_admin_${"x".repeat(30)}`, internalSecret: secret });
  const catalog = await createCatalogSubgraph({ connection, internalSecret: secret });
  servers.push(await startSubgraphServer(accounts, 0), await startSubgraphServer(catalog, 0));
  exchange = await createExchangeSubgraph({
    connection,
    bus: createLocalBus(),
    internalSecret: secret,
    maxForwardDepth: 3,
    feedSweepIntervalMs: 3_600_000,
    feedLayout: { whenUnset: EMBEDDED_FEED_PARTITIONS },
    accountsUrl: () => servers[0]!.url,
    catalogUrl: () => servers[1]!.url,
  });
  apollo = new ApolloServer<BaseContext>({ schema: exchange.schema, formatError, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  await apollo.start();
  world.sellers = await Promise.all([1, 2, 3].map((i) => accounts.services.sellers.create(ADMIN, `S${i}`)));
  world.markets = await Promise.all([1, 2].map((i) => accounts.services.marketplaces.create(ADMIN, `M${i}`)));
  world.product = await catalog.services.products.create(ADMIN, { gtin: "4006381333931", name: "Pen" });
  const [m1, m2] = world.markets.map((m) => m.account.id) as [string, string];
  await exchange.services.routes.open(ADMIN, { fromMarketplaceId: m1, toMarketplaceId: m2 });
  await exchange.services.stock.set(ADMIN, { ownerId: m1, productId: world.product.id, quantity: 3 });
  for (const s of world.sellers) {
    await exchange.services.affiliations.affiliate(ADMIN, s.account.id, m1);
    await exchange.services.stock.set(ADMIN, { ownerId: s.account.id, productId: world.product.id, quantity: 4 });
    const o = await exchange.services.offers.submit(ADMIN, { sellerId: s.account.id, marketplaceId: m1, productId: world.product.id, price: 10, currency: "BRL" });
    const f = await exchange.services.offers.forward(ADMIN, o.id, m2);
    world.offers.push(o.id, f.id);
  }
});
afterAll(async () => {
  await exchange?.stop();
  await apollo?.stop();
  for (const s of servers) await s.close();
  await mongo?.stop();
});

const world = {
  sellers: [] as { account: { id: string } }[],
  markets: [] as { account: { id: string } }[],
  product: { id: "" },
  offers: [] as string[],
};
const ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Offer { id depth available quantity source { id } forwards { id } } ... on Seller { id affiliations { marketplace { id } } offers { totalCount } } ... on Marketplace { id requireStockToForward autoApprove sellers { id } downstreamRoutes { to { id } } } ... on Product { id offers { totalCount } } } }";

describe("exchange entities", () => {
  it("resolves Offer references in one query, unknown ones as null", async () => {
    const r = world.offers.map((id) => ({ __typename: "Offer", id }));
    let result: Awaited<ReturnType<typeof run>> | undefined;
    const finds = await findsDuring("offers", async () => {
      result = await run(ENTITIES, { r: [...r, { __typename: "Offer", id: "off_000000000000000000000000" }] });
    });
    expect(result!.errors).toBeUndefined();
    const entities = result!.data._entities as ({ id: string; depth: number; available: boolean; source: { id: string } | null; forwards: { id: string }[] } | null)[];
    expect(entities.slice(0, -1).map((e) => e!.id)).toEqual(world.offers);
    expect(entities.at(-1)).toBeNull();
    expect(entities[1]).toMatchObject({ depth: 1, available: true, source: { id: world.offers[0] } });
    expect(entities[0]!.forwards).toEqual([{ id: world.offers[1] }]);
    // One query for the references, one for their sources, one for their forwards.
    expect(finds.length).toBeLessThanOrEqual(3);
  });

  it("adds its fields to Seller, Marketplace and Product references, batched per collection", async () => {
    const r = [
      ...world.sellers.map((s) => ({ __typename: "Seller", id: s.account.id })),
      ...world.markets.map((m) => ({ __typename: "Marketplace", id: m.account.id })),
      { __typename: "Product", id: world.product.id },
    ];
    let result: Awaited<ReturnType<typeof run>> | undefined;
    const affiliationFinds = await findsDuring("affiliations", async () => {
      const settingsFinds = await findsDuring("marketplace_settings", async () => {
        result = await run(ENTITIES, { r }, null);
      });
      expect(settingsFinds).toHaveLength(1);
    });
    expect(result!.errors).toBeUndefined();
    // Sellers' affiliations and marketplaces' sellers: one query each, not one per entity.
    expect(affiliationFinds).toHaveLength(2);
    const [s1, , , m1, m2, p] = result!.data._entities;
    expect(s1).toMatchObject({ __typename: "Seller", affiliations: [{ marketplace: { id: world.markets[0]!.account.id } }], offers: { totalCount: 2 } });
    expect(m1).toMatchObject({ requireStockToForward: true, autoApprove: true, downstreamRoutes: [{ to: { id: world.markets[1]!.account.id } }] });
    expect(m1.sellers).toHaveLength(3);
    expect(m2).toMatchObject({ sellers: [], downstreamRoutes: [] });
    expect(p).toEqual({ __typename: "Product", id: world.product.id, offers: { totalCount: 6 } });
  });
});
