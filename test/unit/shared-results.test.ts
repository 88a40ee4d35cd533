import type { ExecutionResult } from "@graphql-tools/utils";
import { GraphQLError } from "graphql";
import { liveOperationKey, SharedResults } from "../../src/gateway/subscriptions/shared";
import type { Principal } from "../../src/shared/principal";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A stream of results the test pushes into, as the gateway's pipeline would produce them for one client. */
function source() {
  const queue: ExecutionResult[] = [];
  let wake: (() => void) | null = null;
  const state = { ended: false, returned: false, broken: false };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: async () => {
      for (;;) {
        if (state.broken) throw new Error("broken");
        const value = queue.shift();
        if (value) return { value, done: false };
        if (state.ended || state.returned) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    return: async () => {
      state.returned = true;
      wake?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  const poke = () => {
    wake?.();
    wake = null;
  };
  return {
    iterator,
    state,
    push: (cursor: string) => (queue.push({ data: { offerFeed: { cursor } } }), poke()),
    pushResult: (result: ExecutionResult) => (queue.push(result), poke()),
    end: () => ((state.ended = true), poke()),
    breakDown: () => ((state.broken = true), poke()),
  };
}

/** Takes `n` results from a client's iterator; the cursors, or the error's code and resumeAfter. */
async function take(client: AsyncIterator<ExecutionResult>, n: number): Promise<unknown[]> {
  const got: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const step = await client.next();
    if (step.done) {
      got.push("done");
      break;
    }
    const r = step.value;
    got.push(r.errors ? [r.errors[0]!.extensions.code, r.errors[0]!.extensions.resumeAfter] : (r.data!.offerFeed as { cursor: string }).cursor);
  }
  return got;
}

describe("SharedResults", () => {
  it("gives every client of a key the results of the first one's stream, and lets the later ones' own streams go", async () => {
    const shared = new SharedResults(10);
    const [first, second] = [source(), source()];
    const a = shared.join("k", first.iterator);
    const b = shared.join("k", second.iterator);
    expect(second.state.returned).toBe(true);
    expect(shared.stats()).toEqual({ streams: 1, clients: 2 });
    first.push("c1");
    first.push("c2");
    expect(await take(a, 2)).toEqual(["c1", "c2"]);
    expect(await take(b, 2)).toEqual(["c1", "c2"]);
  });

  it("goes on for the others when the first client leaves, and ends the stream when the last one does", async () => {
    const shared = new SharedResults(10);
    const s = source();
    const a = shared.join("k", s.iterator);
    const b = shared.join("k", source().iterator);
    await a.return!();
    s.push("c1");
    expect(await take(b, 1)).toEqual(["c1"]);
    expect(s.state.returned).toBe(false);
    await b.return!();
    expect(s.state.returned).toBe(true);
    expect(shared.stats()).toEqual({ streams: 0, clients: 0 });
    // The next client starts a stream of its own again.
    const c = source();
    shared.join("k", c.iterator);
    expect(c.state.returned).toBe(false);
  });

  it("cuts off a client that falls maxBuffered results behind, after what it holds, with its own cursor; the others go on", async () => {
    let cutOff = 0;
    const shared = new SharedResults(3, () => cutOff++);
    const s = source();
    const fast = shared.join("k", s.iterator);
    const slow = shared.join("k", source().iterator);
    s.push("c1");
    expect(await take(slow, 1)).toEqual(["c1"]);
    for (const c of ["c2", "c3", "c4", "c5", "c6"]) s.push(c);
    expect(await take(fast, 6)).toEqual(["c1", "c2", "c3", "c4", "c5", "c6"]);
    await tick();
    expect(cutOff).toBe(1);
    // It holds c2..c4, then is told to resume after c4, the last it was sent.
    expect(await take(slow, 5)).toEqual(["c2", "c3", "c4", ["RATE_LIMITED", "c4"], "done"]);
    s.push("c7");
    expect(await take(fast, 1)).toEqual(["c7"]);
    expect(shared.stats()).toEqual({ streams: 1, clients: 1 });
  });

  it.each([
    ["ends", (s: ReturnType<typeof source>) => s.end()],
    ["breaks", (s: ReturnType<typeof source>) => s.breakDown()],
  ])("when the stream %s, every client ends after what it holds", async (_how, stop) => {
    const shared = new SharedResults(10);
    const s = source();
    const [a, b] = [shared.join("k", s.iterator), shared.join("k", source().iterator)];
    s.push("c1");
    await tick();
    stop(s);
    expect(await take(a, 2)).toEqual(["c1", "done"]);
    expect(await take(b, 2)).toEqual(["c1", "done"]);
    expect(shared.stats()).toEqual({ streams: 0, clients: 0 });
  });
});

/** A client's WebSocket as the shared results see it: what was written, and the writes it has not taken yet. */
function socket() {
  const untaken: (() => void)[] = [];
  const s = {
    readyState: 1,
    sent: [] as string[],
    send(data: string, done: (error?: Error) => void) {
      s.sent.push(data);
      untaken.push(() => done());
    },
    /** The socket takes every write so far. */
    drain: () => untaken.splice(0).forEach((done) => done()),
  };
  return s;
}

describe("SharedResults writing to the clients' sockets", () => {
  const message = (id: string, payload: unknown) => JSON.stringify({ id, type: "next", payload });

  it("writes each result to every socket in the bytes graphql-ws would send, errors in their JSON form; the iterators yield nothing", async () => {
    const shared = new SharedResults(10);
    const s = source();
    const [x, y] = [socket(), socket()];
    const a = shared.join("k", s.iterator, { id: "sub-a", socket: x });
    shared.join("k", source().iterator, { id: "sub-b", socket: y });
    const plain = shared.join("k", source().iterator);
    s.push("c1");
    const failed: ExecutionResult = { data: { offerFeed: null }, errors: [new GraphQLError("boom", { extensions: { code: "UPSTREAM_CLOSED" } })] };
    s.pushResult(failed);
    expect(await take(plain, 2)).toEqual(["c1", ["UPSTREAM_CLOSED", undefined]]);
    await tick();
    const failedJson = { data: { offerFeed: null }, errors: [{ message: "boom", extensions: { code: "UPSTREAM_CLOSED" } }] };
    expect(x.sent).toEqual([message("sub-a", { data: { offerFeed: { cursor: "c1" } } }), message("sub-a", failedJson)]);
    expect(y.sent).toEqual([message("sub-b", { data: { offerFeed: { cursor: "c1" } } }), message("sub-b", failedJson)]);
    // The written client's own iterator gives nothing until the stream ends, then ends.
    s.end();
    expect(await take(a, 1)).toEqual(["done"]);
  });

  it("cuts off a client whose socket has not taken maxBuffered messages, resuming after the last one written; the others go on", async () => {
    let cutOff = 0;
    const shared = new SharedResults(3, () => cutOff++);
    const s = source();
    const [fast, slow] = [socket(), socket()];
    shared.join("k", s.iterator, { id: "f", socket: fast });
    const slowResults = shared.join("k", source().iterator, { id: "s", socket: slow });
    for (const c of ["c1", "c2", "c3"]) s.push(c);
    await tick();
    fast.drain();
    // The fourth finds three of the slow socket's messages untaken.
    s.push("c4");
    await tick();
    expect(cutOff).toBe(1);
    expect(slow.sent).toHaveLength(3);
    expect(await take(slowResults, 2)).toEqual([["RATE_LIMITED", "c3"], "done"]);
    s.push("c5");
    await tick();
    expect(fast.sent.map((m) => JSON.parse(m).payload.data.offerFeed.cursor)).toEqual(["c1", "c2", "c3", "c4", "c5"]);
    expect(shared.stats()).toEqual({ streams: 1, clients: 1 });
  });

  it("hands a socket the writes still waiting before its interruption or its end goes out", async () => {
    const shared = new SharedResults(3);
    const s = source();
    const slow = socket();
    const slowResults = shared.join("k", s.iterator, { id: "s", socket: slow });
    // One pass: three writes wait for the end of the turn, and the fourth cuts the socket off.
    for (const c of ["c1", "c2", "c3", "c4"]) s.push(c);
    expect(await take(slowResults, 1)).toEqual([["RATE_LIMITED", "c3"]]);
    // The server sends the interruption now: the three it resumes after are on the socket already.
    expect(slow.sent).toHaveLength(3);

    // A stream that ends with its interruption (the subgraph's connection lost), all in one pass.
    const t = source();
    const x = socket();
    const xResults = shared.join("t", t.iterator, { id: "x", socket: x });
    t.push("c1");
    t.pushResult({ errors: [new GraphQLError("lost", { extensions: { code: "SERVICE_UNAVAILABLE", resumeAfter: "c1" } })] });
    t.end();
    expect(await take(xResults, 1)).toEqual(["done"]);
    // The server sends `complete` now: the event and the interruption went out before it.
    expect(x.sent.map((m) => JSON.parse(m).payload.errors?.[0]?.extensions.code ?? "event")).toEqual(["event", "SERVICE_UNAVAILABLE"]);
  });

  it("writes the results made in one pass together, once that pass's work is done, each socket's in order", async () => {
    const shared = new SharedResults(10);
    const s = source();
    let taken = 0;
    const counted: AsyncIterableIterator<ExecutionResult> = {
      next: async () => {
        const step = await s.iterator.next();
        if (!step.done) taken++;
        return step;
      },
      return: () => s.iterator.return!(),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    const [x, y] = [socket(), socket()];
    const takenAtWrite: number[] = [];
    for (const sock of [x, y]) {
      const send = sock.send;
      sock.send = (data, done) => (takenAtWrite.push(taken), send(data, done));
    }
    shared.join("k", counted, { id: "x", socket: x });
    shared.join("k", source().iterator, { id: "y", socket: y });
    for (const c of ["c1", "c2", "c3"]) s.push(c);
    await tick();
    const cursors = (sent: string[]) => sent.map((m) => JSON.parse(m).payload.data.offerFeed.cursor);
    expect(cursors(x.sent)).toEqual(["c1", "c2", "c3"]);
    expect(cursors(y.sent)).toEqual(["c1", "c2", "c3"]);
    // No write went out between two results: all three were made before the first write.
    expect(takenAtWrite).toEqual([3, 3, 3, 3, 3, 3]);
  });

  it("writes nothing to a socket that closed after its message was made and before the writes went out", async () => {
    const shared = new SharedResults(10);
    const s = source();
    const closed = socket();
    // Open when the message is made, closed by the time the writes go out.
    let looks = 0;
    Object.defineProperty(closed, "readyState", { get: () => (looks++ === 0 ? 1 : 3) });
    shared.join("k", s.iterator, { id: "c", socket: closed });
    s.push("c1");
    await tick();
    expect(looks).toBe(2);
    expect(closed.sent).toEqual([]);
  });

  it("writes nothing to a socket that is closing", async () => {
    const shared = new SharedResults(10);
    const s = source();
    const closing = { ...socket(), readyState: 2 };
    shared.join("k", s.iterator, { id: "c", socket: closing });
    s.push("c1");
    await tick();
    expect(closing.sent).toEqual([]);
  });
});

describe("liveOperationKey", () => {
  const market: Principal = { kind: "MARKETPLACE", id: "mkt_1" };
  const query = "subscription ($m: ID!, $after: String) { offerFeed(marketplaceId: $m, after: $after) { cursor } }";

  it("is the same for the same live subscription of the same principal, and apart otherwise", () => {
    const key = liveOperationKey({ query, variables: { m: "mkt_1", after: null } }, market);
    expect(key).toBeDefined();
    expect(liveOperationKey({ query, variables: { m: "mkt_1", after: null } }, { ...market })).toBe(key);
    expect(liveOperationKey({ query, variables: { m: "mkt_1", after: null } }, { kind: "ADMIN", id: null })).not.toBe(key);
    expect(liveOperationKey({ query, variables: { m: "mkt_2", after: null } }, market)).not.toBe(key);
  });

  it("is none for a replay, a query that does not parse or is ambiguous, or no principal", () => {
    expect(liveOperationKey({ query, variables: { m: "mkt_1", after: "" } }, market)).toBeUndefined();
    expect(liveOperationKey({ query: "subscription {", variables: {} }, market)).toBeUndefined();
    expect(liveOperationKey({ query: `${query} subscription Other { offerFeed(marketplaceId: "x") { cursor } }`, variables: { m: "mkt_1" } }, market)).toBeUndefined();
    expect(liveOperationKey({ query: "{ offers { totalCount } }" }, market)).toBeUndefined();
    expect(liveOperationKey({ query, variables: { m: "mkt_1", after: null } }, null)).toBeUndefined();
  });
});
