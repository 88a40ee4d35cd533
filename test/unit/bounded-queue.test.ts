import { BoundedQueue } from "../../src/shared/bounded-queue";

async function drain<T>(queue: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of queue) out.push(v);
  return out;
}

describe("BoundedQueue", () => {
  it("hands values over in order, to a consumer already waiting or later, and ends after what waits", async () => {
    const q = new BoundedQueue<number>({ max: 10 });
    const first = q.next();
    q.push(1);
    expect(await first).toEqual({ value: 1, done: false });
    q.push(2);
    q.push(3);
    q.end();
    expect(q.push(4)).toBe(false);
    expect(await drain(q)).toEqual([2, 3]);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it("refuses a value past `max` by default, and keeps what it holds", async () => {
    const q = new BoundedQueue<number>({ max: 2 });
    expect([q.push(1), q.push(2), q.push(3)]).toEqual([true, true, false]);
    expect(q.size).toBe(2);
    q.end();
    expect(await drain(q)).toEqual([1, 2]);
  });

  it("drops the oldest past `max` when told to", async () => {
    const q = new BoundedQueue<number>({ max: 2, overflow: "drop-oldest" });
    expect([q.push(1), q.push(2), q.push(3)]).toEqual([true, true, true]);
    q.end();
    expect(await drain(q)).toEqual([2, 3]);
  });

  it("fails after what waits, once", async () => {
    const q = new BoundedQueue<number>({ max: 5 });
    q.push(1);
    q.fail(new Error("broken"));
    expect(await q.next()).toEqual({ value: 1, done: false });
    await expect(q.next()).rejects.toThrow("broken");
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it("ends at once on return(), even while the consumer waits, drops what waits, and says so once", async () => {
    let returned = 0;
    const q = new BoundedQueue<number>({ max: 5, onReturn: () => returned++ });
    const waiting = q.next();
    await q.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(q.push(1)).toBe(false);
    expect(q.open).toBe(false);
    await q.return();
    expect(returned).toBe(1);
  });

  it("does not call onReturn when the producer ends it", async () => {
    let returned = 0;
    const q = new BoundedQueue<number>({ max: 5, onReturn: () => returned++ });
    q.end();
    expect(await drain(q)).toEqual([]);
    expect(returned).toBe(0);
  });
});
