import type { Connection, mongo as driver } from "mongoose";
import { CreateMarketplaceDocument, CreateProductDocument, CreateSellerDocument } from "../generated/graphql";
import { marketplaceInput, productInput, sellerInput } from "../fixtures";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { ADMIN, accountsHarness, catalogHarness } from "../helpers/subgraph";

/**
 * The gateway sends one `_entities` call with every reference it needs; the
 * subgraph must answer it with one `$in` query, not one query per reference.
 * Queries are counted with the driver's command monitoring, on a connection
 * opened with `monitorCommands: true`.
 */
let mongo: TestMongo;
let connection: Connection;
let accounts: Awaited<ReturnType<typeof accountsHarness>>;
let catalog: Awaited<ReturnType<typeof catalogHarness>>;
type CommandStartedEvent = driver.CommandStartedEvent;
const commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect({ monitorCommands: true });
  connection.getClient().on("commandStarted", (event) => commands.push(event));
  accounts = await accountsHarness(connection);
  catalog = await catalogHarness(connection);
});
afterAll(async () => {
  await accounts?.stop();
  await catalog?.stop();
  await mongo?.stop();
});

/** The `find` commands on `collection` that `run` sends. */
async function findsDuring(collection: string, run: () => Promise<unknown>): Promise<CommandStartedEvent[]> {
  const from = commands.length;
  await run();
  return commands.slice(from).filter((c) => c.commandName === "find" && c.command.find === collection);
}

const N = 25;
const times = <T>(n: number, make: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, make));

const entities = (fragment: string) => `query ($representations: [_Any!]!) { _entities(representations: $representations) { ${fragment} } }`;

describe("entity references are batched", () => {
  it(`${N} Seller and ${N} Marketplace references (with repeats and unknown ids) cost one query per collection`, async () => {
    const sellers = await times(N, async () => (await accounts.execute(CreateSellerDocument, { input: sellerInput() }, ADMIN)).data!.createSeller.seller);
    const markets = await times(N, async () => (await accounts.execute(CreateMarketplaceDocument, { input: marketplaceInput() }, ADMIN)).data!.createMarketplace.marketplace);
    const representations = [
      ...sellers.map((s) => ({ __typename: "Seller", id: s.id })),
      ...markets.map((m) => ({ __typename: "Marketplace", id: m.id })),
      { __typename: "Seller", id: sellers[0]!.id },
      { __typename: "Seller", id: "sel_000000000000000000000000" },
    ];
    let result: Awaited<ReturnType<typeof accounts.execute>> | undefined;
    const sellerFinds = await findsDuring("sellers", async () => {
      const marketFinds = await findsDuring("marketplaces", async () => {
        result = await accounts.execute(entities("... on Seller { id name } ... on Marketplace { id name }"), { representations });
      });
      expect(marketFinds).toHaveLength(1);
      expect(marketFinds[0]!.command.filter._id.$in).toHaveLength(N);
    });
    expect(result!.errors).toBeUndefined();
    expect((result!.data as { _entities: unknown[] })._entities).toHaveLength(2 * N + 2);
    expect(sellerFinds).toHaveLength(1);
    // Repeated ids are asked for once.
    expect(sellerFinds[0]!.command.filter._id.$in).toHaveLength(N + 1);
  });

  it(`${N} Product references cost one query`, async () => {
    const products = await times(N, async () => (await catalog.execute(CreateProductDocument, { input: productInput() }, ADMIN)).data!.createProduct);
    const finds = await findsDuring("products", async () => {
      const result = await catalog.execute(entities("... on Product { id gtin }"), {
        representations: products.map((p) => ({ __typename: "Product", id: p.id })),
      });
      expect(result.errors).toBeUndefined();
      expect((result.data as { _entities: { id: string }[] })._entities.map((p) => p.id)).toEqual(products.map((p) => p.id));
    });
    expect(finds).toHaveLength(1);
  });

  it("does not share loaders between requests (each request reads fresh data)", async () => {
    const { id } = (await catalog.execute(CreateProductDocument, { input: productInput() }, ADMIN)).data!.createProduct;
    const representations = [{ __typename: "Product", id }];
    const finds = await findsDuring("products", async () => {
      await catalog.execute(entities("... on Product { id }"), { representations });
      await catalog.execute(entities("... on Product { id }"), { representations });
    });
    expect(finds).toHaveLength(2);
  });
});
