import type { Connection } from "mongoose";
import { offerModel, type OfferModel, type OfferRecord } from "../../src/exchange/offer/offer.model";
import { OfferRepository } from "../../src/exchange/offer/offer.repository";
import { newId } from "../../src/shared/ids";
import { ensureIndexes } from "../../src/shared/mongo";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { draftDirectOffer } from "../helpers/offers";

/** The offers' batched writes on the embedded server: compare-and-set and the outbox marks. */
let mongo: TestMongo;
let connection: Connection;
let model: OfferModel;
let offers: OfferRepository;
const commands: string[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect({ monitorCommands: true });
  // An update command with the number of statements in it: `update×2`.
  connection.getClient().on("commandStarted", (e) =>
    commands.push(Array.isArray(e.command.updates) ? `${e.commandName}×${e.command.updates.length}` : e.commandName),
  );
  model = offerModel(connection);
  await ensureIndexes([model]);
  offers = new OfferRepository(model);
});
afterAll(() => mongo.stop());

/** `n` direct offers of one seller and product, at as many marketplaces, stored. */
async function storedOffers(n: number, fields: Partial<OfferRecord> = {}): Promise<OfferRecord[]> {
  const [sellerId, productId] = [newId("seller"), newId("product")];
  const made = Array.from({ length: n }, () => ({
    ...draftDirectOffer({ sellerId, marketplaceId: newId("marketplace"), productId, price: 100 }),
    ...fields,
  }));
  for (const o of made) expect(await offers.insert(o)).toBe(true);
  return made;
}

const stored = async (id: string) => (await offers.findById(id))!;

describe("OfferRepository.compareAndSet", () => {
  it("writes offers given the same change from the same rev in one update, each still matching on its own rev", async () => {
    const [a, b, c, d] = await storedOffers(4);
    // Another writer got to b first.
    await model.updateOne({ _id: b!._id }, { $inc: { rev: 1 } });
    const same = { quantity: 7, available: true };
    commands.length = 0;
    const won = await offers.compareAndSet([
      { id: a!._id, rev: 0, set: same },
      { id: b!._id, rev: 0, set: same },
      { id: c!._id, rev: 0, set: same },
      { id: d!._id, rev: 0, set: { quantity: 3, available: true } },
    ]);
    expect([...won].sort()).toEqual([a!._id, c!._id, d!._id].sort());
    // One bulk write of two statements (the three alike, and d), and one read to tell the winners, since one lost.
    expect(commands).toEqual(["update×2", "find"]);
    expect([(await stored(a!._id)).quantity, (await stored(a!._id)).rev]).toEqual([7, 1]);
    expect([(await stored(c!._id)).quantity, (await stored(c!._id)).rev]).toEqual([7, 1]);
    expect([(await stored(d!._id)).quantity, (await stored(d!._id)).rev]).toEqual([3, 1]);
    expect([(await stored(b!._id)).quantity, (await stored(b!._id)).rev]).toEqual([0, 1]);
  });

  it("offers given the same write at different revs share one update, each matched on its own rev, the increments applied to each", async () => {
    const [a, b, c] = await storedOffers(3, { version: 4, eventCount: 2 });
    await model.updateOne({ _id: b!._id }, { $set: { rev: 5, version: 9 } });
    await model.updateOne({ _id: c!._id }, { $set: { rev: 5 } });
    const write = { set: { quantity: 2 }, inc: { version: 1, eventCount: 1 } };
    commands.length = 0;
    const won = await offers.compareAndSet([
      { id: a!._id, rev: 0, ...write },
      { id: b!._id, rev: 5, ...write },
      { id: c!._id, rev: 4, ...write }, // read before another writer moved it to 5
    ]);
    expect([...won].sort()).toEqual([a!._id, b!._id].sort());
    expect(commands).toEqual(["update×1", "find"]);
    const state = async (id: string) => {
      const s = await stored(id);
      return [s.rev, s.version, s.eventCount, s.quantity];
    };
    expect(await Promise.all([a!, b!, c!].map((o) => state(o._id)))).toEqual([
      [1, 5, 3, 2],
      [6, 10, 3, 2],
      [5, 4, 2, 0],
    ]);
  });

  it("costs no read when every write wins", async () => {
    const made = await storedOffers(3);
    commands.length = 0;
    const won = await offers.compareAndSet(made.map((o) => ({ id: o._id, rev: 0, set: { price: 250 } })));
    expect(won.size).toBe(3);
    expect(commands).toEqual(["update×1"]);
  });
});

describe("OfferRepository.markFlushed", () => {
  it("clears the offers flushed through their last event, and only advances those that got another event since", async () => {
    const [a, b, c] = await storedOffers(3, { eventCount: 2, hasPending: true });
    const [d] = await storedOffers(1, { eventCount: 5, flushedThrough: 1, hasPending: true });
    // c got a third event after the flush read it.
    await model.updateOne({ _id: c!._id }, { $set: { eventCount: 3 } });
    commands.length = 0;
    await offers.markFlushed([
      { offerId: a!._id, eventNo: 2 },
      { offerId: b!._id, eventNo: 2 },
      { offerId: c!._id, eventNo: 2 },
      { offerId: d!._id, eventNo: 5 },
    ]);
    // One bulk write, a statement per distinct eventNo, and a second one because c moved on.
    expect(commands).toEqual(["update×2", "update×2"]);
    const state = async (o: OfferRecord) => {
      const s = await stored(o._id);
      return [s.flushedThrough, s.hasPending];
    };
    expect(await Promise.all([a!, b!, c!, d!].map(state))).toEqual([
      [2, false],
      [2, false],
      [2, true],
      [5, false],
    ]);
  });

  it("never moves an offer's mark back", async () => {
    const [a] = await storedOffers(1, { eventCount: 4, flushedThrough: 4, hasPending: false });
    await offers.markFlushed([{ offerId: a!._id, eventNo: 3 }]);
    expect([(await stored(a!._id)).flushedThrough, (await stored(a!._id)).hasPending]).toEqual([4, false]);
  });
});
