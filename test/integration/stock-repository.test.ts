import type { Connection } from "mongoose";
import { stockModel, type StockModel } from "../../src/exchange/stock/stock.model";
import { StockRepository } from "../../src/exchange/stock/stock.repository";
import { newId } from "../../src/shared/ids";
import { ensureIndexes } from "../../src/shared/mongo";
import { startTestMongo, type TestMongo } from "../helpers/mongo";

/** Stock levels' conditional writes on the embedded server. */
let mongo: TestMongo;
let connection: Connection;
let model: StockModel;
let stock: StockRepository;
const commands: string[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect({ monitorCommands: true });
  connection.getClient().on("commandStarted", (e) => commands.push(e.commandName));
  model = stockModel(connection);
  await ensureIndexes([model]);
  stock = new StockRepository(model);
});
afterAll(() => mongo.stop());

/** A seller's level of a product, set to `quantity` (version 1). */
async function levelAt(quantity: number) {
  const [ownerId, productId] = [newId("seller"), newId("product")];
  await stock.compareAndSet(ownerId, productId, quantity, 0);
  return { ownerId, productId };
}

describe("StockRepository.setIfChanged", () => {
  it("changes a level in one write and gives it before and after, the version moved on by one", async () => {
    const { ownerId, productId } = await levelAt(4);
    commands.length = 0;
    const changed = await stock.setIfChanged(ownerId, productId, 9);
    expect(commands).toEqual(["findAndModify"]);
    expect(changed?.before).toMatchObject({ ownerId, productId, quantity: 4, version: 1 });
    expect(changed?.after).toMatchObject({ ownerId, productId, quantity: 9, version: 2 });
    expect(await stock.get(ownerId, productId)).toEqual(changed?.after);
  });

  it("writes nothing for the quantity the level already holds", async () => {
    const { ownerId, productId } = await levelAt(4);
    const before = await stock.get(ownerId, productId);
    expect(await stock.setIfChanged(ownerId, productId, 4)).toBeNull();
    expect(await stock.get(ownerId, productId)).toEqual(before);
  });

  it("with a version, writes only at that version", async () => {
    const { ownerId, productId } = await levelAt(4);
    expect(await stock.setIfChanged(ownerId, productId, 5, 2)).toBeNull();
    expect(await stock.get(ownerId, productId)).toMatchObject({ quantity: 4, version: 1 });
    expect((await stock.setIfChanged(ownerId, productId, 5, 1))?.after).toMatchObject({ quantity: 5, version: 2 });
  });

  it("creates no level that was never set", async () => {
    const [ownerId, productId] = [newId("seller"), newId("product")];
    expect(await stock.setIfChanged(ownerId, productId, 3)).toBeNull();
    expect(await model.countDocuments({ ownerId })).toBe(0);
  });

  it("lets one of two concurrent writers of the same change win, and the other find it made", async () => {
    const { ownerId, productId } = await levelAt(1);
    const results = await Promise.all([stock.setIfChanged(ownerId, productId, 7), stock.setIfChanged(ownerId, productId, 7)]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await stock.get(ownerId, productId)).toMatchObject({ quantity: 7, version: 2 });
  });
});
