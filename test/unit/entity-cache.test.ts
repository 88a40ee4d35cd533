import type { ExecutionRequest, ExecutionResult } from "@graphql-tools/utils";
import { GraphQLError, parse } from "graphql";
import { useEntityCache } from "../../src/gateway/entity-cache";

/** Sellers by id, as the accounts subgraph would answer `_entities` (null when unknown). */
const NAMES: Record<string, string> = { sel_1: "One", sel_2: "Two", sel_3: "Three" };

const FETCH = parse("query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Seller { name } } }");
const reps = (...ids: string[]) => ids.map((id) => ({ __typename: "Seller", id }));

/**
 * The plugin around a subgraph under the test's control: `run` sends one
 * fetch through it and returns what the planner would get; `asked` lists the
 * ids each call to the subgraph asked for.
 */
function harness(size = 100, failWith?: () => GraphQLError | undefined) {
  const asked: string[][] = [];
  const subgraph = async (request: ExecutionRequest): Promise<ExecutionResult> => {
    const ids = (request.variables!.representations as { id: string }[]).map((r) => r.id);
    asked.push(ids);
    const error = failWith?.();
    return error
      ? { data: { _entities: ids.map(() => null) }, errors: [error] }
      : { data: { _entities: ids.map((id) => (NAMES[id] ? { __typename: "Seller", name: NAMES[id] } : null)) } };
  };
  const plugin = useEntityCache(size) as { onSubgraphExecute: (payload: unknown) => void };
  const run = async (ids: string[], subgraphName = "accounts") => {
    const request: ExecutionRequest = { document: FETCH, variables: { representations: reps(...ids) }, operationType: "query" } as ExecutionRequest;
    let executor = subgraph;
    plugin.onSubgraphExecute({ subgraphName, executionRequest: request, executor, setExecutor: (e: typeof subgraph) => (executor = e) });
    return executor(request);
  };
  return { asked, run };
}

const names = (r: ExecutionResult) => (r.data!._entities as ({ name: string } | null)[]).map((e) => e?.name ?? null);

describe("useEntityCache", () => {
  it("answers what it holds, asks only for the rest, and keeps the order of the representations", async () => {
    const { asked, run } = harness();
    expect(names(await run(["sel_1", "sel_2"]))).toEqual(["One", "Two"]);
    expect(names(await run(["sel_3", "sel_2", "sel_1"]))).toEqual(["Three", "Two", "One"]);
    expect(names(await run(["sel_2", "sel_3"]))).toEqual(["Two", "Three"]);
    expect(asked).toEqual([["sel_1", "sel_2"], ["sel_3"]]);
  });

  it("remembers no entity that was not found, and nothing from an answer with errors", async () => {
    let failing = true;
    const { asked, run } = harness(100, () => (failing ? new GraphQLError("accounts is down") : undefined));
    const failed = await run(["sel_1"]);
    expect(failed.errors?.map((e) => e.message)).toEqual(["accounts is down"]);
    failing = false;
    expect(names(await run(["sel_1", "sel_9"]))).toEqual(["One", null]);
    expect(names(await run(["sel_1", "sel_9"]))).toEqual(["One", null]);
    expect(asked).toEqual([["sel_1"], ["sel_1", "sel_9"], ["sel_9"]]);
  });

  it("asks for the whole fetch again when the narrowed one fails, and passes that answer on", async () => {
    let calls = 0;
    const { asked, run } = harness(100, () => (++calls === 2 ? new GraphQLError("flaky") : undefined));
    await run(["sel_1"]);
    const result = await run(["sel_1", "sel_2"]);
    expect(asked).toEqual([["sel_1"], ["sel_2"], ["sel_1", "sel_2"]]);
    expect(names(result)).toEqual(["One", "Two"]);
    expect(result.errors).toBeUndefined();
  });

  it("holds at most `size` entities, forgetting the least recently used", async () => {
    const { asked, run } = harness(2);
    await run(["sel_1"]);
    await run(["sel_2"]);
    await run(["sel_1"]); // sel_1 is now the most recently used
    await run(["sel_3"]); // sel_2 goes
    await run(["sel_1", "sel_2"]);
    expect(asked).toEqual([["sel_1"], ["sel_2"], ["sel_3"], ["sel_2"]]);
  });

  it("leaves other subgraphs' fetches alone", async () => {
    const { asked, run } = harness();
    await run(["sel_1"], "exchange");
    await run(["sel_1"], "exchange");
    expect(asked).toHaveLength(2);
  });
});
