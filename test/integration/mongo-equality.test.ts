import { Schema, type Connection } from "mongoose";
import { singleInAsEquality } from "../../src/shared/mongo-equality";
import { startTestMongo, type TestMongo } from "../helpers/mongo";

describe("singleInAsEquality", () => {
  it("writes a one-value $in as the equality, in $and / $or / $nor branches too", () => {
    expect(singleInAsEquality({ _id: { $in: ["a"] }, n: 1 })).toEqual({ _id: "a", n: 1 });
    expect(singleInAsEquality({ $or: [{ a: { $in: [1] } }, { b: { $in: [2, 3] } }] })).toEqual({ $or: [{ a: 1 }, { b: { $in: [2, 3] } }] });
    expect(singleInAsEquality({ $and: [{ a: { $in: [null] } }], $nor: [{ c: { $in: [[1, 2]] } }] })).toEqual({ $and: [{ a: null }], $nor: [{ c: [1, 2] }] });
  });

  it("leaves every other filter as it is, the same object", () => {
    for (const filter of [{ a: { $in: ["x", "y"] } }, { a: { $in: [] } }, { a: { $in: ["x"], $ne: "y" } }, { a: "x" }, { $or: [{ a: 1 }] }, {}]) {
      expect(singleInAsEquality(filter)).toBe(filter);
    }
    const given = { _id: { $in: ["a"] } };
    singleInAsEquality(given);
    expect(given).toEqual({ _id: { $in: ["a"] } });
  });
});

describe("one-value $in sent as an equality", () => {
  let mongo: TestMongo;
  let connection: Connection;
  const filters: unknown[] = [];
  beforeAll(async () => {
    mongo = await startTestMongo();
    connection = await mongo.connect({ monitorCommands: true });
    connection.getClient().on("commandStarted", (e) => {
      if (e.commandName === "find") filters.push(e.command.filter);
    });
  });
  afterAll(() => mongo.stop());

  it("finds the same documents, the server seeing an equality for one value and $in for more", async () => {
    const Thing = connection.model("Thing", new Schema<{ _id: string; tag: string }>({ _id: String, tag: String }, { versionKey: false }), "equality_things");
    await Thing.insertMany([
      { _id: "a", tag: "x" },
      { _id: "b", tag: "y" },
      { _id: "c", tag: "x" },
    ]);
    filters.length = 0;
    expect((await Thing.find({ _id: { $in: ["b"] } }).lean()).map((t) => t._id)).toEqual(["b"]);
    expect((await Thing.find({ tag: { $in: ["x"] } }).sort({ _id: 1 }).lean()).map((t) => t._id)).toEqual(["a", "c"]);
    expect((await Thing.find({ _id: { $in: ["a", "b"] } }).sort({ _id: 1 }).lean()).map((t) => t._id)).toEqual(["a", "b"]);
    expect((await Thing.find({ _id: { $in: ["nope"] } }).lean()).length).toBe(0);
    expect(filters).toEqual([{ _id: "b" }, { tag: "x" }, { _id: { $in: ["a", "b"] } }, { _id: "nope" }]);
  });
});
