import type { Connection } from "mongoose";
import { feedEventModel, feedEventModels, type FeedEventModel } from "../../src/exchange/feed/feed.model";
import { FeedRepository, partitionOf, type FeedAppend } from "../../src/exchange/feed/feed.repository";
import { newId } from "../../src/shared/ids";
import { ensureIndexes } from "../../src/shared/mongo";
import { startTestMongo, type TestMongo } from "../helpers/mongo";

/** The feed's appends on the embedded server: batched, and correct when they meet another writer. */
let mongo: TestMongo;
let connection: Connection;
let model: FeedEventModel;
const commands: string[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect({ monitorCommands: true });
  connection.getClient().on("commandStarted", (e) => commands.push(`${e.commandName} ${String(e.command[e.commandName])}`));
  model = feedEventModel(connection);
  await ensureIndexes([model]);
});
afterAll(() => mongo.stop());

let eventNo = 0;
/** The next event of `offerId`, to append to `marketplaceId`'s feed. */
const event = (marketplaceId: string, offerId: string, no = ++eventNo): FeedAppend => ({
  marketplaceId,
  offerId,
  event: { eventNo: no, type: "UPDATED", available: true, quantity: no, price: no, unavailableReason: null, occurredAt: new Date() },
});

/** The feed as stored: [seq, event id] in seq order. */
const feedOf = async (marketplaceId: string) =>
  (await model.find({ marketplaceId }).sort({ seq: 1 }).lean()).map((e) => [e.seq, e._id] as const);

const idOf = (a: FeedAppend) => `${a.offerId}:${a.event.eventNo}`;

describe("FeedRepository.appendAll", () => {
  it("appends to many feeds in one insert, each numbered on from its own last event, in the order given", async () => {
    const repo = new FeedRepository(model);
    const [m1, m2] = [newId("marketplace"), newId("marketplace")];
    const [o1, o2, o3] = [newId("offer"), newId("offer"), newId("offer")];
    const earlier = [event(m1, o1), event(m1, o1)];
    for (const a of earlier) await new FeedRepository(model).append(a.marketplaceId, a.offerId, a.event);

    const batch = [event(m1, o1), event(m2, o2), event(m1, o3), event(m2, o2), event(m1, o1)];
    commands.length = 0;
    await repo.appendAll(batch);

    expect(commands.filter((c) => c.startsWith("insert"))).toEqual(["insert feed_events"]);
    expect(await feedOf(m1)).toEqual([...earlier, batch[0]!, batch[2]!, batch[4]!].map((a, i) => [i + 1, idOf(a)]));
    expect(await feedOf(m2)).toEqual([batch[1]!, batch[3]!].map((a, i) => [i + 1, idOf(a)]));

    // Its feeds are now known: the next batch reads nothing first.
    commands.length = 0;
    const next = [event(m2, o2), event(m1, o3)];
    await repo.appendAll(next);
    expect(commands).toEqual(["insert feed_events"]);
    expect((await feedOf(m1)).at(-1)).toEqual([6, idOf(next[1]!)]);
    expect((await feedOf(m2)).at(-1)).toEqual([3, idOf(next[0]!)]);
  });

  it("a batch whose numbers another writer took meanwhile is appended after that writer's events, with no gap", async () => {
    const [a, b] = [new FeedRepository(model), new FeedRepository(model)];
    const m = newId("marketplace");
    const offer = newId("offer");
    const first = event(m, offer);
    await a.appendAll([first]); // a now guesses 2 for m's next event
    const other = event(m, newId("offer"));
    await b.append(other.marketplaceId, other.offerId, other.event); // and b takes 2

    const batch = [event(m, offer), event(m, offer), event(m, offer)];
    await a.appendAll(batch);
    expect(await feedOf(m)).toEqual([first, other, ...batch].map((e, i) => [i + 1, idOf(e)]));
  });

  it("writers racing on the same feeds append every event once, numbered 1..n, each writer's events in its order", async () => {
    const writers = [new FeedRepository(model), new FeedRepository(model), new FeedRepository(model)];
    const feeds = [newId("marketplace"), newId("marketplace")];
    const batches = writers.map(() =>
      Array.from({ length: 4 }, () => {
        const offer = newId("offer");
        return feeds.flatMap((m) => [event(m, offer), event(m, offer)]);
      }),
    );
    await Promise.all(
      writers.map(async (w, i) => {
        for (const batch of batches[i]!) await w.appendAll(batch);
      }),
    );

    for (const m of feeds) {
      const feed = await feedOf(m);
      const mine = batches.flat(2).filter((a) => a.marketplaceId === m);
      expect(feed.map(([seq]) => seq)).toEqual(mine.map((_, i) => i + 1));
      expect(new Set(feed.map(([, id]) => id))).toEqual(new Set(mine.map(idOf)));
      // Each writer's own events keep their order within the feed.
      const position = new Map(feed.map(([seq, id]) => [id, seq]));
      for (const writerBatches of batches) {
        const order = writerBatches.flat().filter((a) => a.marketplaceId === m).map((a) => position.get(idOf(a))!);
        expect(order).toEqual([...order].sort((x, y) => x - y));
      }
    }
  });

  it("a batch retried after part of it reached the log appends the rest, each event once", async () => {
    const repo = new FeedRepository(model);
    const m = newId("marketplace");
    const offer = newId("offer");
    const events = [event(m, offer), event(m, offer), event(m, offer), event(m, offer)];
    for (const a of events.slice(0, 2)) await repo.append(a.marketplaceId, a.offerId, a.event);

    await repo.appendAll(events);
    expect(await feedOf(m)).toEqual(events.map((e, i) => [i + 1, idOf(e)]));
  });

  it("an error other than a taken number or id (the database gone) reaches the caller, and nothing is written", async () => {
    const gone = await mongo.connect({ dbName: connection.db!.databaseName, bufferCommands: false });
    const repo = new FeedRepository(feedEventModel(gone));
    const m = newId("marketplace");
    const first = event(m, newId("offer"));
    await repo.appendAll([first]);
    await gone.close();
    await expect(repo.appendAll([event(m, newId("offer")), event(m, newId("offer"))])).rejects.toThrow(/connect|closed/i);
    expect(await feedOf(m)).toEqual([[1, idOf(first)]]);
  });

  it("an empty batch costs no round trip", async () => {
    commands.length = 0;
    await new FeedRepository(model).appendAll([]);
    expect(commands).toEqual([]);
  });
});

describe("FeedRepository.afterEach", () => {
  it("reads many feeds after their own positions in one query; with a limit, each feed's part is a prefix of what it has", async () => {
    const repo = new FeedRepository(model);
    const feeds = [newId("marketplace"), newId("marketplace"), newId("marketplace")];
    for (const m of feeds) {
      const offer = newId("offer");
      await repo.appendAll([event(m, offer), event(m, offer), event(m, offer), event(m, offer)]);
    }
    const positions = feeds.map((m, i) => ({ marketplaceId: m, afterSeq: i }));
    commands.length = 0;
    const all = await repo.afterEach(positions, 100);
    expect(commands).toEqual(["find feed_events"]);
    const seqsOf = (rows: typeof all, m: string) => rows.filter((r) => r.marketplaceId === m).map((r) => r.seq);
    expect(feeds.map((m) => seqsOf(all, m))).toEqual([
      [1, 2, 3, 4],
      [2, 3, 4],
      [3, 4],
    ]);
    const some = await repo.afterEach(positions, 5);
    expect(some).toHaveLength(5);
    for (const m of feeds) expect(seqsOf(all, m).slice(0, seqsOf(some, m).length)).toEqual(seqsOf(some, m));
  });
});

describe("the feed log split into partitions", () => {
  const PARTITIONS = 4;
  let parts: FeedEventModel[];
  let partitioned: Connection;
  beforeAll(async () => {
    partitioned = await mongo.connect({ monitorCommands: true });
    partitioned.getClient().on("commandStarted", (e) => commands.push(`${e.commandName} ${String(e.command[e.commandName])}`));
    parts = feedEventModels(partitioned, PARTITIONS);
    await ensureIndexes(parts);
  });

  /** Marketplace ids, `perPartition` of them in each partition. */
  const marketplacesIn = (perPartition: number): string[][] => {
    const found: string[][] = Array.from({ length: PARTITIONS }, () => []);
    while (found.some((ids) => ids.length < perPartition)) {
      const id = newId("marketplace");
      const ids = found[partitionOf(id, PARTITIONS)]!;
      if (ids.length < perPartition) ids.push(id);
    }
    return found;
  };
  const storedIn = async (p: number, marketplaceId: string) =>
    (await parts[p]!.find({ marketplaceId }).sort({ seq: 1 }).lean()).map((e) => [e.seq, e._id] as const);

  it("keeps each feed whole in its partition, and appends a batch across partitions with one insert per partition it touches", async () => {
    const repo = new FeedRepository(parts);
    const [p0, p1, p2] = marketplacesIn(2);
    const feeds = [...p0!, ...p1!];
    const batch = feeds.flatMap((m) => {
      const offer = newId("offer");
      return [event(m, offer), event(m, offer)];
    });
    commands.length = 0;
    await repo.appendAll(batch);
    expect(commands.filter((c) => c.startsWith("insert")).sort()).toEqual(["insert feed_events", "insert feed_events_p1"]);
    for (const m of feeds) {
      const p = partitionOf(m, PARTITIONS);
      expect(await storedIn(p, m)).toEqual(batch.filter((a) => a.marketplaceId === m).map((a, i) => [i + 1, idOf(a)]));
      for (let other = 0; other < PARTITIONS; other++) if (other !== p) expect(await storedIn(other, m)).toEqual([]);
    }
    // Reads go to the feed's own partition.
    expect((await repo.after(p2![0]!, 0, 10)).length).toBe(0);
    expect((await repo.after(p0![0]!, 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
    expect(await repo.latestSeq(p1![1]!)).toBe(2);
  });

  it("a taken number in one partition is settled there, one by one, while the other partitions' inserts stand", async () => {
    const [a, b] = [new FeedRepository(parts), new FeedRepository(parts)];
    const [[m0], [m1]] = marketplacesIn(1);
    const offer = newId("offer");
    const first = [event(m0!, offer), event(m1!, offer)];
    await a.appendAll(first); // a now guesses 2 for both
    const other = event(m0!, newId("offer"));
    await b.append(other.marketplaceId, other.offerId, other.event); // and b takes 2 in m0's partition only

    const batch = [event(m0!, offer), event(m1!, offer)];
    const appended = await a.appendAll(batch);
    expect(appended.map((r) => [r.marketplaceId, r.seq]).sort()).toEqual([[m0, 3], [m1, 2]].sort());
    expect((await a.after(m0!, 0, 10)).map((e) => [e.seq, e._id])).toEqual([
      [1, idOf(first[0]!)],
      [2, idOf(other)],
      [3, idOf(batch[0]!)],
    ]);
    expect((await a.after(m1!, 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it("reads many feeds across partitions: the first `limit` in feed order, each feed's part a prefix of what it has", async () => {
    const repo = new FeedRepository(parts);
    const feeds = marketplacesIn(2).flat();
    for (const m of feeds) {
      const offer = newId("offer");
      await repo.appendAll([event(m, offer), event(m, offer), event(m, offer)]);
    }
    const positions = feeds.map((m, i) => ({ marketplaceId: m, afterSeq: i % 2 }));
    commands.length = 0;
    const all = await repo.afterEach(positions, 1000);
    expect(commands.filter((c) => c.startsWith("find")).sort()).toEqual(
      ["find feed_events", "find feed_events_p1", "find feed_events_p2", "find feed_events_p3"],
    );
    const inOrder = [...all].sort((x, y) => (x.marketplaceId < y.marketplaceId ? -1 : x.marketplaceId > y.marketplaceId ? 1 : x.seq - y.seq));
    expect(all).toEqual(inOrder);
    expect(all).toHaveLength(feeds.reduce((n, _, i) => n + 3 - (i % 2), 0));

    const some = await repo.afterEach(positions, 7);
    expect(some).toEqual(all.slice(0, 7));
  });

  it("an error other than a taken number in one partition reaches the caller", async () => {
    const gone = await mongo.connect({ dbName: partitioned.db!.databaseName, bufferCommands: false });
    const repo = new FeedRepository(feedEventModels(gone, PARTITIONS));
    const [[m0], [m1]] = marketplacesIn(1);
    await gone.close();
    await expect(repo.appendAll([event(m0!, newId("offer")), event(m1!, newId("offer"))])).rejects.toThrow(/connect|closed/i);
  });
});
