import type { ExecutionRequest } from "@graphql-tools/utils";
import { GraphQLError, parse } from "graphql";
import { liveSubscriptionKey, SharedUpstreams } from "../../src/gateway/subscriptions/shared";
import type { Upstream, UpstreamSink } from "../../src/gateway/subscriptions";
import type { Principal } from "../../src/shared/principal";
import { recordingSink } from "../helpers/upstream";

const FEED = parse("subscription($m: ID!, $after: String) { offerFeed(marketplaceId: $m, after: $after) { cursor offerId } }");
const request = (variables: Record<string, unknown>, document = FEED): ExecutionRequest => ({ document, variables });
const market: Principal = { kind: "MARKETPLACE", id: "mkt_1" };
const admin: Principal = { kind: "ADMIN", id: null };

describe("liveSubscriptionKey", () => {
  it("gives live subscriptions (after null or absent) of one principal, operation and variables one key", () => {
    const key = liveSubscriptionKey("exchange", request({ m: "mkt_1", after: null }), market);
    expect(key).toBeDefined();
    expect(liveSubscriptionKey("exchange", request({ m: "mkt_1", after: null }), { ...market })).toBe(key);
    expect(liveSubscriptionKey("exchange", request({ m: "mkt_1" }), market)).toBeDefined();
    const inline = parse('subscription { offerFeed(marketplaceId: "mkt_1", after: null) { cursor } }');
    expect(liveSubscriptionKey("exchange", request({}, inline), market)).toBeDefined();
  });

  it("never shares a replay, whose results depend on when it started", () => {
    expect(liveSubscriptionKey("exchange", request({ m: "mkt_1", after: "" }), market)).toBeUndefined();
    expect(liveSubscriptionKey("exchange", request({ m: "mkt_1", after: "Y3Vyc29y" }), market)).toBeUndefined();
    const inline = parse('subscription { offerFeed(marketplaceId: "mkt_1", after: "Y3Vyc29y") { cursor } }');
    expect(liveSubscriptionKey("exchange", request({}, inline), market)).toBeUndefined();
  });

  it("keeps apart what differs: principal, variables, selection, subgraph; and has none without a principal", () => {
    const keys = [
      liveSubscriptionKey("exchange", request({ m: "mkt_1", after: null }), market),
      liveSubscriptionKey("exchange", request({ m: "mkt_1", after: null }), admin),
      liveSubscriptionKey("exchange", request({ m: "mkt_1", after: null }), { kind: "MARKETPLACE", id: "mkt_2" }),
      liveSubscriptionKey("exchange", request({ m: "mkt_2", after: null }), market),
      liveSubscriptionKey("exchange", request({ m: "mkt_1", after: null }, parse("subscription($m: ID!) { offerFeed(marketplaceId: $m) { cursor } }")), market),
      liveSubscriptionKey("other", request({ m: "mkt_1", after: null }), market),
    ];
    expect(keys.every((k) => k !== undefined)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    expect(liveSubscriptionKey("exchange", request({ m: "mkt_1", after: null }), null)).toBeUndefined();
  });
});

/** An upstream under the test's control, counting how often it is started and disposed. */
function fakeUpstream() {
  const state = { started: 0, disposed: 0, sink: undefined as UpstreamSink | undefined };
  const upstream: Upstream = (sink) => {
    state.started++;
    state.sink = sink;
    return { pause: () => true, resume: () => undefined, dispose: () => void state.disposed++ };
  };
  return { state, upstream };
}


describe("SharedUpstreams", () => {
  it("starts one upstream for every client of a key, gives each a result of its own, and stops it when the last leaves", () => {
    const shared = new SharedUpstreams();
    const { state, upstream } = fakeUpstream();
    const [a, b] = [recordingSink(), recordingSink()];
    const ha = shared.join("k", upstream)(a.sink);
    const hb = shared.join("k", upstream)(b.sink);
    expect(state.started).toBe(1);
    expect(shared.stats()).toEqual({ upstreams: 1, subscribers: 2 });

    const result = { data: { offerFeed: { cursor: "c1" } } };
    state.sink!.next(result);
    expect(a.got).toEqual([result]);
    expect(b.got).toEqual([result]);
    expect(a.got[0]).not.toBe(b.got[0]);
    expect(a.got[0]!.data).not.toBe(b.got[0]!.data);
    // The last client takes the result itself: nobody else holds it.
    expect(b.got[0]).toBe(result);
    // One client cannot pause what others share.
    expect(ha.pause()).toBe(false);

    ha.dispose();
    expect(state.disposed).toBe(0);
    state.sink!.next({ data: { offerFeed: { cursor: "c2" } } });
    expect([a.got.length, b.got.length]).toEqual([1, 2]);
    hb.dispose();
    hb.dispose();
    expect(state.disposed).toBe(1);
    expect(shared.stats()).toEqual({ upstreams: 0, subscribers: 0 });

    // A client after that starts a fresh one.
    shared.join("k", upstream)(recordingSink().sink);
    expect(state.started).toBe(2);
  });

  it("keeps different keys apart", () => {
    const shared = new SharedUpstreams();
    const { state, upstream } = fakeUpstream();
    shared.join("k1", upstream)(recordingSink().sink);
    shared.join("k2", upstream)(recordingSink().sink);
    expect(state.started).toBe(2);
  });

  it.each([
    ["fails", (s: UpstreamSink) => s.fail([new GraphQLError("Forbidden", { extensions: { code: "FORBIDDEN" } })]), "failed: Forbidden (FORBIDDEN)"],
    ["is lost", (s: UpstreamSink) => s.lost(), "lost"],
    ["completes", (s: UpstreamSink) => s.complete(), "complete"],
  ])("when the upstream %s, every client hears it, and the next client starts a new one", (_what, end, ended) => {
    const shared = new SharedUpstreams();
    const { state, upstream } = fakeUpstream();
    const clients = [recordingSink(), recordingSink(), recordingSink()];
    for (const c of clients) shared.join("k", upstream)(c.sink);
    end(state.sink!);
    expect(clients.map((c) => c.ended())).toEqual([ended, ended, ended]);
    shared.join("k", upstream)(recordingSink().sink);
    expect(state.started).toBe(2);
  });
});
