import type { ExecutionRequest } from "@graphql-tools/utils";
import { GraphQLError, GraphQLInt, GraphQLObjectType, GraphQLSchema, parse } from "graphql";
import { inProcessUpstream } from "../../src/gateway/subscriptions/in-process";
import { PRINCIPAL_HEADER, signPrincipal } from "../../src/shared/principal";
import { recordingSink } from "../helpers/upstream";

const SECRET = "x".repeat(32);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A subgraph whose `tick` subscription is driven by the test: `source` is
 * what its subscribe resolver returns (or throws, refusing it); the state
 * counts what was pulled from it and whether it was ended.
 */
function subgraph(source: () => AsyncIterator<number>) {
  const state = { pulled: 0, returned: false };
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: "Subscription",
      fields: {
        tick: {
          type: GraphQLInt,
          resolve: (n: number) => n,
          subscribe: async () => {
            const inner = source();
            return {
              next: async () => {
                const step = await inner.next();
                if (!step.done) state.pulled++;
                return step;
              },
              return: async () => {
                state.returned = true;
                return (await inner.return?.()) ?? { value: undefined, done: true };
              },
              [Symbol.asyncIterator]() {
                return this;
              },
            };
          },
        },
      },
    }),
  });
  const connect = inProcessUpstream({ schema, createContext: () => ({}) }, SECRET);
  return { state, connect };
}


// Signed as the gateway signs every request to a subgraph, anonymous ones included.
let request: ExecutionRequest;
beforeAll(async () => {
  request = {
    document: parse("subscription { tick }"),
    variables: {},
    operationType: "subscription",
    extensions: { headers: { [PRINCIPAL_HEADER]: await signPrincipal(null, SECRET) } },
  } as ExecutionRequest;
});

async function* count(to: number) {
  for (let n = 1; n <= to; n++) yield n;
}

describe("inProcessUpstream", () => {
  it("passes on each result, then the end", async () => {
    const { connect } = subgraph(() => count(3));
    const r = recordingSink();
    connect(request)(r.sink);
    // The first verification of a signed principal in a process loads its key: wait for the end, not a fixed time.
    for (const deadline = Date.now() + 5_000; !r.ended() && Date.now() < deadline; ) await sleep(10);
    expect(r.got.map((x) => x.data)).toEqual([{ tick: 1 }, { tick: 2 }, { tick: 3 }]);
    expect(r.ended()).toBe("complete");
  });

  it("takes nothing from the subgraph while paused", async () => {
    const { state, connect } = subgraph(() => count(1000));
    const r = recordingSink();
    const handle = connect(request)(r.sink);
    expect(handle.pause()).toBe(true);
    await sleep(20);
    expect(state.pulled).toBeLessThanOrEqual(1);
    const before = state.pulled;
    handle.resume();
    await sleep(20);
    expect(state.pulled).toBeGreaterThan(before);
    handle.dispose();
  });

  it("ends the subgraph's stream when disposed, even while it waits for the next result", async () => {
    // One event, then none: its next() waits until return() ends it, as the feed's streams do.
    let end: (() => void) | undefined;
    const { state, connect } = subgraph(() => {
      let sent = false;
      return {
        next: () =>
          sent
            ? new Promise<IteratorResult<number>>((resolve) => (end = () => resolve({ value: undefined, done: true })))
            : ((sent = true), Promise.resolve({ value: 1, done: false })),
        return: async () => (end?.(), { value: undefined, done: true }),
      };
    });
    const r = recordingSink();
    const handle = connect(request)(r.sink);
    await sleep(20);
    expect(r.got).toHaveLength(1);
    handle.dispose();
    await sleep(20);
    expect(state.returned).toBe(true);
  });

  it("tells the client the connection was lost when the subgraph's stream breaks", async () => {
    const { connect } = subgraph(async function* () {
      yield 1;
      throw new Error("the database went away");
    });
    const r = recordingSink();
    connect(request)(r.sink);
    await sleep(20);
    expect(r.got).toHaveLength(1);
    expect(r.ended()).toBe("lost");
  });

  it("passes on a refusal at subscribe time with its code", async () => {
    const { connect } = subgraph(() => {
      throw new GraphQLError("Not yours", { extensions: { code: "FORBIDDEN" } });
    });
    const r = recordingSink();
    connect(request)(r.sink);
    await sleep(20);
    expect(r.ended()).toBe("failed: Not yours (FORBIDDEN)");
  });

  it("refuses a forged principal as the subgraph's server would", async () => {
    const { connect } = subgraph(() => count(1));
    const r = recordingSink();
    connect({ ...request, extensions: { headers: { "x-offergate-principal": "forged.signature" } } })(r.sink);
    await sleep(20);
    expect(r.ended()).toBe("failed: The request's principal could not be verified (UNAUTHENTICATED)");
  });
});
