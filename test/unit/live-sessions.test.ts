import type { ExecutionResult } from "@graphql-tools/utils";
import { LiveSessions } from "../../src/gateway/subscriptions/live-sessions";

/** A source of results that yields what is pushed, and records whether it was let go. */
function source() {
  const queue: ExecutionResult[] = [];
  let wake: (() => void) | undefined;
  const state = { returned: false };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      while (!queue.length && !state.returned) await new Promise<void>((resolve) => (wake = resolve));
      return state.returned ? { value: undefined, done: true } : { value: queue.shift()!, done: false };
    },
    async return() {
      state.returned = true;
      wake?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { iterator, state, push: (r: ExecutionResult) => (queue.push(r), wake?.()) };
}

const socket = () => ({ closed: [] as [number, string][], close(code: number, reason: string) { this.closed.push([code, reason]); } });

describe("LiveSessions", () => {
  it("caps subscriptions per key, frees a place when one ends or is released, and does not cap anonymous ones", async () => {
    const sessions = new LiveSessions({ maxSocketsPerAddress: 2, maxSubscriptionsPerSocket: 10, maxSubscriptionsPerKey: 2 });
    const a = sessions.reserve("acc_1")!;
    const b = sessions.reserve("acc_1")!;
    expect(sessions.reserve("acc_1")).toBeUndefined();
    expect(sessions.reserve("acc_2")).toBeDefined();
    for (let i = 0; i < 5; i++) expect(sessions.reserve(null)).toBeDefined();
    b.release();
    b.release(); // once only
    const c = sessions.reserve("acc_1")!;
    expect(sessions.reserve("acc_1")).toBeUndefined();
    const tracked = a.track(source().iterator);
    await tracked.return!();
    expect(sessions.reserve("acc_1")).toBeDefined();
    c.release();
  });

  it("ends a subscription waiting for its next result with the last result given, and lets its source go", async () => {
    const sessions = new LiveSessions();
    const s = source();
    const results = sessions.reserve("acc_1")!.track(s.iterator);
    s.push({ data: { offerFeed: { cursor: "c1" } } });
    expect(await results.next()).toEqual({ value: { data: { offerFeed: { cursor: "c1" } } }, done: false });
    const pending = results.next();
    expect(sessions.closeKey("acc_2")).toEqual({ subscriptions: 0, sockets: 0 });
    expect(sessions.closeKey("acc_1", { errors: [] })).toEqual({ subscriptions: 1, sockets: 0 });
    expect(await pending).toEqual({ value: { errors: [] }, done: false });
    expect(await results.next()).toEqual({ value: undefined, done: true });
    expect(s.state.returned).toBe(true);
    expect(sessions.stats()).toEqual({ sockets: 0, subscriptions: 0, keys: 0 });
  });

  it("caps sockets per address, closes an account's sockets, and on shutdown ends everything and takes nothing new", async () => {
    const sessions = new LiveSessions({ maxSocketsPerAddress: 2, maxSubscriptionsPerSocket: 10, maxSubscriptionsPerKey: 10 });
    const [x, y, z] = [socket(), socket(), socket()];
    expect(sessions.openSocket(x, "10.0.0.1")).toBe(true);
    expect(sessions.openSocket(y, "10.0.0.1")).toBe(true);
    expect(sessions.openSocket(z, "10.0.0.1")).toBe(false);
    expect(sessions.openSocket(z, "10.0.0.2")).toBe(true);
    sessions.socketClosed(x);
    expect(sessions.openSocket(x, "10.0.0.1")).toBe(true);
    sessions.setSocketKey(y, "acc_1");
    expect(sessions.closeKey("acc_1").sockets).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(y.closed).toEqual([[4401, "API key revoked"]]);

    const s = source();
    const results = sessions.reserve(null)!.track(s.iterator);
    const pending = results.next();
    sessions.shutdown();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(x.closed).toEqual([[1001, "Server shutting down"]]);
    expect(sessions.reserve(null)).toBeUndefined();
    expect(sessions.openSocket(socket(), "10.0.0.3")).toBe(false);
  });
});
