import { DATABASE_FEED_PARTITIONS, EMBEDDED_FEED_PARTITIONS, feedPartitions } from "../../src/exchange/feed/feed.layout";
import { loadConfig } from "../../src/shared/config";
import { feedEventModel } from "../../src/exchange/feed/feed.model";
import { newId } from "../../src/shared/ids";
import { ensureIndexes } from "../../src/shared/mongo";
import { startTestMongo, type TestMongo } from "../helpers/mongo";

/** How many collections a database's feed log is split into: chosen once, then the database's. */
let mongo: TestMongo;
beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(() => mongo.stop());

const layoutOf = async (connection: Awaited<ReturnType<TestMongo["connect"]>>) =>
  connection.db!.collection("feed_layout").find({}).toArray();

describe("feedPartitions", () => {
  it("unconfigured, a new database takes the count configuration gives, whatever the server is, kept for every process after", async () => {
    // jongodb here, but with MONGODB_URI set the configuration says one collection: the server is never asked what it is.
    const production = loadConfig({ MONGODB_URI: "mongodb://db.example:27017/offergate" }).feedLayout;
    expect(production).toEqual({ configured: undefined, whenUnset: DATABASE_FEED_PARTITIONS });
    expect(loadConfig({}).feedLayout).toEqual({ configured: undefined, whenUnset: EMBEDDED_FEED_PARTITIONS });
    const connection = await mongo.connect();
    expect(await feedPartitions(connection, production)).toBe(1);
    expect(await layoutOf(connection)).toEqual([{ _id: "feed_events", partitions: 1 }]);
    // A process whose default differs (the embedded one's) follows the database's layout; so does one configured alike.
    expect(await feedPartitions(connection, { whenUnset: EMBEDDED_FEED_PARTITIONS })).toBe(1);
    expect(await feedPartitions(connection, { configured: 1, whenUnset: EMBEDDED_FEED_PARTITIONS })).toBe(1);

    const embedded = await mongo.connect();
    expect(await feedPartitions(embedded, { whenUnset: EMBEDDED_FEED_PARTITIONS })).toBe(EMBEDDED_FEED_PARTITIONS);
    expect(await feedPartitions(embedded, production)).toBe(EMBEDDED_FEED_PARTITIONS);
    expect(await layoutOf(embedded)).toEqual([{ _id: "feed_events", partitions: EMBEDDED_FEED_PARTITIONS }]);
  });

  it("processes starting together on a new database agree on one layout", async () => {
    const connection = await mongo.connect();
    const seen = await Promise.all([feedPartitions(connection, { configured: 3, whenUnset: 1 }), feedPartitions(connection, { configured: 3, whenUnset: 1 }), feedPartitions(connection, { whenUnset: 1 })]);
    expect(seen).toEqual([3, 3, 3]);
    expect(await layoutOf(connection)).toEqual([{ _id: "feed_events", partitions: 3 }]);
  });

  it("a configured count is the new database's; a different one later is refused, and the layout stays", async () => {
    const connection = await mongo.connect();
    expect(await feedPartitions(connection, { configured: 1, whenUnset: EMBEDDED_FEED_PARTITIONS })).toBe(1);
    await expect(feedPartitions(connection, { configured: 8, whenUnset: 1 })).rejects.toThrow("FEED_PARTITIONS is 8, but this database's feed log has 1 partition");
    expect(await feedPartitions(connection, { whenUnset: EMBEDDED_FEED_PARTITIONS })).toBe(1);
    expect(await layoutOf(connection)).toEqual([{ _id: "feed_events", partitions: 1 }]);
  });

  it("refuses to split a log that already holds events in one collection (a database from before partitions)", async () => {
    const connection = await mongo.connect();
    const model = feedEventModel(connection);
    await ensureIndexes([model]);
    await model.create({
      _id: `${newId("offer")}:1`,
      marketplaceId: newId("marketplace"),
      seq: 1,
      type: "ELIGIBLE",
      offerId: newId("offer"),
      available: true,
      quantity: 1,
      price: 100,
      unavailableReason: null,
      occurredAt: new Date(),
    });
    await expect(feedPartitions(connection, { whenUnset: EMBEDDED_FEED_PARTITIONS })).rejects.toThrow("already holds events in one collection");
    expect(await layoutOf(connection)).toEqual([]);
    expect(await feedPartitions(connection, { whenUnset: 1 })).toBe(1);
  });

  it("refuses a count out of range before touching the database", async () => {
    const connection = await mongo.connect();
    for (const bad of [0, 65, 2.5]) await expect(feedPartitions(connection, { configured: bad, whenUnset: 1 })).rejects.toThrow("FEED_PARTITIONS must be an integer from 1 to 64");
    expect(await layoutOf(connection)).toEqual([]);
  });
});
