import { Schema, type Connection, type mongo as driver } from "mongoose";
import { feedEventModels } from "../../src/exchange/feed/feed.model";
import { countCommands, dbCommands } from "../../src/shared/db-metrics";
import { startTestMongo, type TestMongo } from "../helpers/mongo";

/** `offergate_db_commands_total` counted from collection operations, held to the driver's own command monitoring. */
let mongo: TestMongo;
let connection: Connection;
const sent: string[] = [];
const COUNTED = new Set(["find", "insert", "update", "delete", "findAndModify", "aggregate", "count"]);

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect({ monitorCommands: true });
  countCommands(connection);
  connection.getClient().on("commandStarted", (e) => {
    if (COUNTED.has(e.commandName)) sent.push(`${String(e.command[e.commandName])} ${e.commandName}`);
  });
});
afterAll(() => mongo.stop());

/** What the metric counted for `collection`, as "collection command" once per command. */
async function counted(collection: string): Promise<string[]> {
  const { values } = await dbCommands.get();
  return values
    .filter((v) => v.labels.collection === collection)
    .flatMap((v) => Array.from({ length: v.value }, () => `${v.labels.collection} ${v.labels.command}`));
}

it("counts each command a collection operation sends, as the driver's monitoring sees them", async () => {
  const Thing = connection.model<{ _id: string; n: number }>(
    "Thing",
    new Schema<{ _id: string; n: number }>({ _id: String, n: Number }, { versionKey: false }),
    "db_metrics_things",
  );
  const things = Thing.collection as unknown as driver.Collection<{ _id: string; n: number }>;
  await Thing.create({ _id: "a", n: 1 });
  await Thing.insertMany([{ _id: "b", n: 2 }, { _id: "c", n: 3 }]);
  await Thing.find({ n: { $gt: 0 } }).lean();
  await Thing.findById("a").lean();
  await Thing.countDocuments({ n: 1 });
  await Thing.estimatedDocumentCount();
  await Thing.updateOne({ _id: "a" }, { $set: { n: 5 } });
  await Thing.updateMany({}, { $inc: { n: 1 } });
  await Thing.findOneAndUpdate({ _id: "b" }, { $set: { n: 0 } });
  await Thing.aggregate([{ $match: { n: { $gte: 0 } } }]);
  await things.bulkWrite([
    { insertOne: { document: { _id: "d", n: 1 } } },
    { updateOne: { filter: { _id: "d" }, update: { $set: { n: 2 } } } },
    { updateMany: { filter: {}, update: { $inc: { n: 1 } } } },
    { insertOne: { document: { _id: "e", n: 1 } } },
  ]);
  await things.bulkWrite(
    [
      { insertOne: { document: { _id: "f", n: 1 } } },
      { updateOne: { filter: { _id: "f" }, update: { $set: { n: 2 } } } },
      { insertOne: { document: { _id: "g", n: 1 } } },
      { deleteOne: { filter: { _id: "g" } } },
    ],
    { ordered: false },
  );
  await Thing.deleteOne({ _id: "a" });
  await Thing.deleteMany({ n: { $lt: 0 } });

  const byDriver = sent.filter((s) => s.startsWith("db_metrics_things ")).sort();
  expect(byDriver.length).toBeGreaterThanOrEqual(17);
  expect((await counted("db_metrics_things")).sort()).toEqual(byDriver);
});

it("counts the feed log's partitions as the one collection they split", async () => {
  const p3 = feedEventModels(connection, 4)[3]!;
  const before = await counted("feed_events");
  await p3.find({ marketplaceId: "m" }).lean();
  expect(sent.at(-1)).toBe("feed_events_p3 find");
  expect(await counted("feed_events")).toEqual([...before, "feed_events find"]);
  expect(await counted("feed_events_p3")).toEqual([]);
});
