import { FeedHub, type FeedHubOptions, type FeedLog } from "../../src/exchange/feed/feed.hub";
import { feedEventModel, type FeedEventRecord } from "../../src/exchange/feed/feed.model";
import { FeedRepository } from "../../src/exchange/feed/feed.repository";
import { createLocalBus, type EventBus } from "../../src/shared/bus";
import { newId } from "../../src/shared/ids";
import { ensureIndexes } from "../../src/shared/mongo";
import { startTestMongo, type TestMongo } from "../helpers/mongo";

let mongo: TestMongo;
let repo: FeedRepository;
beforeAll(async () => {
  mongo = await startTestMongo();
  const model = feedEventModel(await mongo.connect());
  await ensureIndexes([model]);
  repo = new FeedRepository(model);
});
afterAll(() => mongo.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The real log, counting the reads that go to the database. */
function countingLog(): FeedLog & { reads: number } {
  const log = {
    reads: 0,
    after: (m: string, afterSeq: number, limit: number) => {
      log.reads++;
      return repo.after(m, afterSeq, limit);
    },
    afterEach: (positions: { marketplaceId: string; afterSeq: number }[], limit: number) => {
      log.reads++;
      return repo.afterEach(positions, limit);
    },
    latestSeq: (m: string) => {
      log.reads++;
      return repo.latestSeq(m);
    },
  };
  return log;
}

function world(options: FeedHubOptions = {}) {
  const bus: EventBus = createLocalBus();
  const log = countingLog();
  const hub = new FeedHub(log, bus, { pollMs: 3_600_000, ...options });
  const m = newId("marketplace");
  const offerId = newId("offer");
  let eventNo = 0;
  /** Appends `n` events to m's log, as a flush does, then rings (unless told not to). */
  const append = async (n: number, ring = true) => {
    for (let i = 0; i < n; i++) {
      const no = ++eventNo;
      await repo.append(m, offerId, {
        eventNo: no,
        type: "UPDATED",
        available: true,
        quantity: no,
        price: no,
        unavailableReason: null,
        occurredAt: new Date(),
      });
    }
    if (ring) bus.ring(m);
  };
  return { bus, log, hub, m, append };
}

/** A consumer that pulls continuously and records the seqs it gets. */
function consume(stream: AsyncIterableIterator<FeedEventRecord>) {
  const seqs: number[] = [];
  const running = (async () => {
    for await (const e of stream) seqs.push(e.seq);
  })();
  return {
    seqs,
    running,
    until: async (count: number, timeoutMs = 5_000) => {
      const started = Date.now();
      while (seqs.length < count) {
        if (Date.now() - started > timeoutMs) throw new Error(`got ${seqs.length} of ${count} events`);
        await sleep(5);
      }
      return seqs;
    },
  };
}

/** Appends `n` events of the feed's one offer to its log, as a flush does (without ringing). */
async function appendTo(feed: { m: string; offerId: string; appended: number }, n: number) {
  for (let i = 0; i < n; i++) {
    const no = ++feed.appended;
    await repo.append(feed.m, feed.offerId, { eventNo: no, type: "UPDATED", available: true, quantity: no, price: no, unavailableReason: null, occurredAt: new Date() });
  }
}

const updated = (no: number) => ({ eventNo: no, type: "UPDATED" as const, available: true, quantity: no, price: no, unavailableReason: null, occurredAt: new Date() });

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("the feed hub", () => {
  it("reads the log once per ring for all its live subscribers, however many", async () => {
    const { hub, log, m, append } = world();
    const consumers = Array.from({ length: 50 }, () => consume(hub.stream(m, 0)));
    await sleep(50);
    expect(hub.stats()).toMatchObject({ channels: 1, subscribers: 50, live: 50 });

    const before = log.reads;
    await append(1);
    await Promise.all(consumers.map((c) => c.until(1)));
    expect(log.reads - before).toBe(1);

    // Three events behind one ring: still one read.
    await append(3);
    await Promise.all(consumers.map((c) => c.until(4)));
    expect(log.reads - before).toBe(2);
    for (const c of consumers) expect(c.seqs).toEqual([1, 2, 3, 4]);
    hub.close();
  });

  it("reads the marketplaces rung together in one query, and each subscriber gets its own feed's events", async () => {
    const bus: EventBus = createLocalBus();
    const log = countingLog();
    const hub = new FeedHub(log, bus, { pollMs: 3_600_000 });
    const feeds = Array.from({ length: 20 }, () => ({ m: newId("marketplace"), offerId: newId("offer"), appended: 0 }));
    const consumers = feeds.map((f) => consume(hub.stream(f.m, 0)));
    await sleep(50);
    const before = log.reads;
    // One mutation's events: one per feed, then a ring for each.
    for (const f of feeds) await appendTo(f, 1);
    for (const f of feeds) bus.ring(f.m);
    await Promise.all(consumers.map((c) => c.until(1)));
    expect(log.reads - before).toBe(1);
    for (const c of consumers) expect(c.seqs).toEqual([1]);
    hub.close();
  });

  it("events this process appended are handed to the live subscribers without a read, and the ring of its own origin is skipped", async () => {
    const bus: EventBus = createLocalBus();
    const log = countingLog();
    const hub = new FeedHub(log, bus, { pollMs: 3_600_000 });
    const feeds = Array.from({ length: 5 }, () => ({ m: newId("marketplace"), offerId: newId("offer"), appended: 0 }));
    const consumers = feeds.map((f) => consume(hub.stream(f.m, 0)));
    await sleep(50);
    const before = log.reads;
    const appended = await repo.appendAll(
      feeds.flatMap((f) => [1, 2].map((no) => ({ marketplaceId: f.m, offerId: f.offerId, event: updated(no) }))),
    );
    hub.appended(appended);
    for (const f of feeds) bus.ring(f.m, hub.origin);
    for (const c of consumers) expect(await c.until(2)).toEqual([1, 2]);
    await sleep(50);
    expect(log.reads - before).toBe(0);
    expect(hub.stats().handedOver).toBe(feeds.length);
    // Another process's ring (another origin, or none) is read as before.
    feeds[0]!.appended = 2;
    await appendTo(feeds[0]!, 1);
    bus.ring(feeds[0]!.m, "another-process");
    expect(await consumers[0]!.until(3)).toEqual([1, 2, 3]);
    expect(log.reads - before).toBe(1);
    hub.close();
  });

  it("handed events that do not follow the channel's head (another writer's in between) are read from the log instead, in order", async () => {
    const { hub, log, m } = world();
    const offerId = newId("offer");
    const c = consume(hub.stream(m, 0));
    await sleep(50);
    const before = log.reads;
    // Another process appended seq 1 and its ring was lost; this process appends seq 2.
    await repo.append(m, newId("offer"), updated(1));
    const mine = await repo.appendAll([{ marketplaceId: m, offerId, event: updated(1) }]);
    expect(mine.map((r) => r.seq)).toEqual([2]);
    hub.appended(mine);
    expect(await c.until(2)).toEqual([1, 2]);
    expect(log.reads - before).toBe(1);
    expect(hub.stats().handedOver).toBe(0);
    // Handed again (a retried flush): nothing is delivered twice.
    hub.appended(mine);
    await sleep(50);
    expect(c.seqs).toEqual([1, 2]);
    hub.close();
  });

  it("events handed over while a read is under way are left to that channel's next read", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const log = countingLog();
    const slowLog: FeedLog = {
      ...log,
      after: async (m, afterSeq, limit) => {
        await gate;
        return log.after(m, afterSeq, limit);
      },
      afterEach: async (positions, limit) => {
        await gate;
        return log.afterEach(positions, limit);
      },
    };
    const bus = createLocalBus();
    const hub = new FeedHub(slowLog, bus, { pollMs: 3_600_000 });
    const m = newId("marketplace");
    const c = consume(hub.stream(m, 0));
    await sleep(50);
    await repo.append(m, newId("offer"), updated(1));
    bus.ring(m); // its read waits at the gate
    await sleep(20);
    const mine = await repo.appendAll([{ marketplaceId: m, offerId: newId("offer"), event: updated(1) }]);
    hub.appended(mine);
    await sleep(20);
    expect(c.seqs).toEqual([]);
    release();
    expect(await c.until(2)).toEqual([1, 2]);
    expect(hub.stats().handedOver).toBe(0);
    hub.close();
  });

  it("a read of many marketplaces that fills its batch reads on for each, with no gap", async () => {
    const bus: EventBus = createLocalBus();
    const hub = new FeedHub(countingLog(), bus, { pollMs: 3_600_000, batch: 5 });
    const feeds = Array.from({ length: 3 }, () => ({ m: newId("marketplace"), offerId: newId("offer"), appended: 0 }));
    const consumers = feeds.map((f) => consume(hub.stream(f.m, 0)));
    await sleep(50);
    for (const f of feeds) await appendTo(f, 4);
    for (const f of feeds) bus.ring(f.m);
    for (const c of consumers) expect(await c.until(4)).toEqual([1, 2, 3, 4]);
    await sleep(50);
    for (const c of consumers) expect(c.seqs).toEqual([1, 2, 3, 4]);
    hub.close();
  });

  it("rings that arrive during a read fold into one more read", async () => {
    const { hub, log, m, append, bus } = world();
    const c = consume(hub.stream(m, 0));
    await sleep(20);
    const before = log.reads;
    await append(1, false);
    for (let i = 0; i < 20; i++) bus.ring(m);
    await c.until(1);
    await sleep(50);
    expect(log.reads - before).toBeLessThanOrEqual(2);
    expect(c.seqs).toEqual([1]);
    hub.close();
  });

  it("a replaying subscriber catches up on its own while events keep coming, and joins with no gap and no duplicate", async () => {
    const { hub, m, append } = world({ batch: 25 });
    await append(180);
    const live = consume(hub.stream(m, 180));
    const writer = (async () => {
      for (let i = 0; i < 30; i++) await append(4);
    })();
    const replaying = [0, 17, 100].map((from) => ({ from, c: consume(hub.stream(m, from)) }));
    await writer;
    const total = 180 + 120;
    for (const { from, c } of replaying) expect(await c.until(total - from)).toEqual(range(from + 1, total));
    expect(await live.until(120)).toEqual(range(181, total));
    await sleep(50);
    for (const { from, c } of replaying) expect(c.seqs).toHaveLength(total - from);
    expect(hub.stats()).toMatchObject({ subscribers: 4, live: 4 });
    hub.close();
  });

  it("a subscriber that stops taking events is sent back to the log, holding at most maxQueue, and resumes without a gap", async () => {
    const { hub, m, append, log } = world({ batch: 10, maxQueue: 20 });
    const fast = consume(hub.stream(m, 0));
    const slow = hub.stream(m, 0);
    const first = slow.next();
    await sleep(20);
    await append(1);
    expect((await first).value!.seq).toBe(1);
    // The slow one takes nothing more while 100 events arrive.
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      await append(5);
      await sleep(2);
      peak = Math.max(peak, hub.stats().maxQueued);
    }
    expect(await fast.until(101)).toEqual(range(1, 101));
    expect(peak).toBeLessThanOrEqual(20);
    expect(hub.stats()).toMatchObject({ subscribers: 2, live: 1, overflows: 1 });
    // Back to pulling: it reads what it missed from the log itself, then joins the hub again.
    const readsBefore = log.reads;
    const rest: number[] = [];
    for (let i = 0; i < 100; i++) rest.push((await slow.next()).value!.seq);
    expect(rest).toEqual(range(2, 101));
    expect(log.reads - readsBefore).toBeGreaterThanOrEqual(10); // its own reads, 10 events each
    const next = slow.next();
    await sleep(20);
    expect(hub.stats()).toMatchObject({ live: 2 });
    await append(1);
    expect((await next).value!.seq).toBe(102);
    await slow.return!();
    hub.close();
  });

  it("return() frees the subscriber at once, even while it waits for an event", async () => {
    const { hub, m, append, log } = world();
    const stream = hub.stream(m, 0);
    const pending = stream.next();
    await sleep(20);
    expect(hub.stats()).toMatchObject({ channels: 1, subscribers: 1 });
    await stream.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(hub.stats()).toMatchObject({ channels: 0, subscribers: 0 });
    // Nobody listens: an event costs no read.
    const before = log.reads;
    await append(1);
    await sleep(20);
    expect(log.reads).toBe(before);
  });

  it("a lost ring costs latency, not the event: the poll reads the log", async () => {
    const { hub, m, append } = world({ pollMs: 100 });
    const c = consume(hub.stream(m, 0));
    await sleep(20);
    const started = Date.now();
    await append(2, false);
    expect(await c.until(2, 2_000)).toEqual([1, 2]);
    expect(Date.now() - started).toBeLessThan(1_000);
    hub.close();
  });

  it("the poll reads all the quiet feeds together: one query per period, however many feeds", async () => {
    const bus: EventBus = createLocalBus();
    const log = countingLog();
    const hub = new FeedHub(log, bus, { pollMs: 200 });
    const feeds = Array.from({ length: 30 }, () => ({ m: newId("marketplace"), offerId: newId("offer"), appended: 0 }));
    // Subscribers arrive one after another, so the feeds' last reads are spread over the period.
    const consumers = [];
    for (const f of feeds) {
      consumers.push(consume(hub.stream(f.m, 0)));
      await sleep(7);
    }
    // Nothing rings: 30 quiet feeds over about five periods.
    const before = log.reads;
    await sleep(1_000);
    const reads = log.reads - before;
    // About five (one per period); a poll per feed would be some 150.
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(10);
    // And what a lost ring left behind arrives by the poll, for every feed.
    for (const f of feeds) await appendTo(f, 1);
    for (const c of consumers) expect(await c.until(1, 2_000)).toEqual([1]);
    hub.close();
  });
});
