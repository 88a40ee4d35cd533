import type { ExecutionResult } from "@graphql-tools/utils";
import { GraphQLError, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { directSubscriptions, inProcessDirect } from "../../src/gateway/subscriptions/direct";
import { gatewaySubscriptions, gatewaySubscriptionsEnded } from "../../src/shared/feed-metrics";
import type { Principal } from "../../src/shared/principal";

/**
 * An in-process subgraph whose `event` subscription yields what the test
 * gives it: a cursor, or an Error to resolve the event's `detail` with (a
 * field error), or a thrown error (the stream breaks). `refuse` makes its
 * subscribe resolver throw (the subgraph refusing the operation).
 */
function subgraph(items: (string | Error | "throw")[], options: { refuse?: GraphQLError } = {}) {
  const seen: { principal: Principal | null }[] = [];
  const Event = new GraphQLObjectType({
    name: "Event",
    fields: {
      cursor: { type: new GraphQLNonNull(GraphQLString) },
      detail: {
        type: GraphQLString,
        resolve: (e: { error?: Error }) => {
          if (e.error) throw e.error;
          return "ok";
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: "Subscription",
      fields: {
        event: {
          type: Event,
          resolve: (e: unknown) => e,
          subscribe: async () => {
            if (options.refuse) throw options.refuse;
            let n = 0;
            return (async function* () {
              for (const item of items) {
                n++;
                if (item === "throw") throw new Error("connection reset by the database at 10.0.0.7");
                yield item instanceof Error ? { cursor: `c${n}`, error: item } : { cursor: item };
              }
            })();
          },
        },
      },
    }),
  });
  return { seen, local: { schema, createContext: (principal: Principal | null) => (seen.push({ principal }), {}) } };
}

/** A subgraph without subscriptions, and one with other types only. */
const plain = {
  schema: new GraphQLSchema({ query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLString } } }) }),
  createContext: () => ({}),
};

async function all(results: AsyncIterable<ExecutionResult> | undefined): Promise<ExecutionResult[]> {
  const out: ExecutionResult[] = [];
  for await (const r of results!) out.push(r);
  return out;
}

const admin: Principal = { kind: "ADMIN", id: null };
const json = (r: ExecutionResult[]) => JSON.parse(JSON.stringify(r));

describe("direct subscriptions", () => {
  it("takes an operation the in-process subgraph answers alone, with the client's principal, and passes its results as they are", async () => {
    const { local, seen } = subgraph(["c1", "c2"]);
    const direct = directSubscriptions([plain, local].map(inProcessDirect));
    const results = await all(await direct({ query: "query Q { ok } subscription S { e: event { cursor } }", operationName: "S" }, admin));
    expect(json(results)).toEqual([{ data: { e: { cursor: "c1" } } }, { data: { e: { cursor: "c2" } } }]);
    expect(seen).toEqual([{ principal: admin }]);
  });

  it("declines what no in-process subgraph answers alone (and one without a Subscription type never does)", async () => {
    const { local } = subgraph(["c1"]);
    const direct = directSubscriptions([plain, local].map(inProcessDirect));
    // A field the subgraph does not have (another subgraph's, in the supergraph).
    expect(await direct({ query: "subscription { event { cursor product { name } } }" }, admin)).toBeUndefined();
    // graphql-js alone would find a subscription valid against a schema without a Subscription type.
    expect(await directSubscriptions([inProcessDirect(plain)])({ query: "subscription { event { cursor } }" }, admin)).toBeUndefined();
  });

  it("declines an operation its subgraph refuses, so that the gateway's own stream tells the client", async () => {
    const { local } = subgraph(["c1"], { refuse: new GraphQLError("Not this marketplace's feed", { extensions: { code: "FORBIDDEN" } }) });
    expect(await directSubscriptions([inProcessDirect(local)])({ query: "subscription { event { cursor } }" }, admin)).toBeUndefined();
  });

  it("masks an event's internal error and keeps a coded one, as the gateway does", async () => {
    const { local } = subgraph([
      "c1",
      new Error("duplicate key on shard 3 at 10.0.0.7"),
      new GraphQLError("Offer not found", { extensions: { code: "NOT_FOUND", stacktrace: ["at internals"] } }),
    ]);
    const results = json(await all(await directSubscriptions([inProcessDirect(local)])({ query: "subscription { event { cursor detail } }" }, admin)));
    expect(results[0]).toEqual({ data: { event: { cursor: "c1", detail: "ok" } } });
    expect(results[1].data).toEqual({ event: { cursor: "c2", detail: null } });
    expect(results[1].errors).toEqual([
      expect.objectContaining({ message: "Internal server error", path: ["event", "detail"], extensions: { code: "INTERNAL_SERVER_ERROR" } }),
    ]);
    expect(JSON.stringify(results[1])).not.toMatch(/shard|10\.0\.0\.7|stack/);
    expect(results[2].errors).toEqual([expect.objectContaining({ message: "Offer not found", extensions: { code: "NOT_FOUND" } })]);
  });

  it("ends a stream that breaks with UPSTREAM_CLOSED and the cursor of the last event sent", async () => {
    const { local } = subgraph(["c1", "c2", "throw", "c4"]);
    const interrupted = async () => (await gatewaySubscriptionsEnded.get()).values.find((v) => v.labels.reason === "UPSTREAM_CLOSED")?.value ?? 0;
    const before = await interrupted();
    const results = json(await all(await directSubscriptions([inProcessDirect(local)])({ query: "subscription { event { cursor } }" }, admin)));
    expect(results.slice(0, 2)).toEqual([{ data: { event: { cursor: "c1" } } }, { data: { event: { cursor: "c2" } } }]);
    expect(results).toHaveLength(3);
    expect(results[2].errors).toEqual([
      expect.objectContaining({ extensions: { code: "SERVICE_UNAVAILABLE", reason: "UPSTREAM_CLOSED", resumeAfter: "c2" } }),
    ]);
    expect(JSON.stringify(results[2])).not.toMatch(/database|10\.0\.0\.7/);
    expect(await interrupted()).toBe(before + 1);
  });

  it("counts among the subscriptions the gateway runs until the client's ends, which ends the subgraph's", async () => {
    let returned = false;
    const { local } = subgraph([]);
    const schema = local.schema;
    const events = schema.getSubscriptionType()!.getFields().event!;
    events.subscribe = async () => ({
      next: () => new Promise<IteratorResult<unknown>>(() => undefined),
      return: async () => ((returned = true), { value: undefined, done: true as const }),
      [Symbol.asyncIterator]() {
        return this;
      },
    });
    const running = async () => (await gatewaySubscriptions.get()).values[0]?.value ?? 0;
    const before = await running();
    const results = (await directSubscriptions([inProcessDirect(local)])({ query: "subscription { event { cursor } }" }, admin))!;
    expect(await running()).toBe(before + 1);
    const iterator = results[Symbol.asyncIterator]();
    void iterator.next();
    await iterator.return!();
    expect(returned).toBe(true);
    expect(await running()).toBe(before);
  });
});
