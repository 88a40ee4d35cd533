import { ViewerDocument } from "../generated/graphql";
import { errorCodes } from "../helpers/graphql-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * The gateway's own limits, set low through the environment (SEMANTICS.md,
 * "Limits"). The `it.failing` cases are contract gaps found in the gateway
 * (reported; src/gateway is not the test suite's to change): each fails today,
 * and jest will report it as soon as it passes, so that it becomes an `it`.
 */
let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate({
    INTROSPECTION: "false",
    MAX_DEPTH: "3",
    MAX_ALIASES: "3",
    MAX_BATCH: "2",
    MAX_BODY_BYTES: "10000",
    RATE_LIMIT_PER_MINUTE: "20",
  });
});
afterAll(() => og?.close());

describe("configured limits", () => {
  it("INTROSPECTION=false refuses introspection, and ordinary queries still work", async () => {
    const response = await og.anonymous.post({ query: "{ __schema { queryType { name } } }" });
    expect(response.data?.__schema ?? null).toBeNull();
    expect(response.errors?.length).toBeGreaterThan(0);
    expect(await og.anonymous.data(ViewerDocument)).toEqual({ viewer: null });
  });

  it("a body over MAX_BODY_BYTES with a Content-Length is refused with 413", async () => {
    const response = await fetch(og.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ viewer { kind } }", variables: { pad: "x".repeat(20_000) } }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(413);
  });

  it("a chunked body over MAX_BODY_BYTES (no Content-Length) is refused too", async () => {
    const body = new TextEncoder().encode(JSON.stringify({ query: "{ viewer { kind } }", variables: { pad: "x".repeat(20_000) } }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(body);
        controller.close();
      },
    });
    const response = await fetch(og.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
      signal: AbortSignal.timeout(10_000),
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it("more aliases than MAX_ALIASES is QUERY_TOO_COMPLEX", async () => {
    const response = await og.anonymous.post({ query: "{ a: viewer { kind } b: viewer { kind } c: viewer { kind } d: viewer { kind } }" });
    expect(errorCodes(response)).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("a query deeper than MAX_DEPTH is QUERY_TOO_COMPLEX", async () => {
    // Depth 3 is within the limit; sellers > edges > node > id is depth 4.
    expect(errorCodes(await og.anonymous.post({ query: "{ sellers { pageInfo { hasNextPage } } }" }))).toEqual([]);
    expect(errorCodes(await og.anonymous.post({ query: "{ sellers { edges { node { id } } } }" }))).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("a batch of up to MAX_BATCH operations is answered, one over it refused", async () => {
    const op = { query: "{ viewer { kind } }" };
    // A batched response is a JSON array; the client spreads it into { status, 0, 1 }.
    const ok = (await og.anonymous.post([op, op])) as { status: number } & Record<number, { data?: unknown } | undefined>;
    expect(ok.status).toBe(200);
    expect([ok[0]?.data, ok[1]?.data]).toEqual([{ viewer: null }, { viewer: null }]);
    const refused = await og.anonymous.post([op, op, op]);
    expect(refused.status).toBeGreaterThanOrEqual(400);
  });

  // Last: it uses up the anonymous client's budget.
  it("more than RATE_LIMIT_PER_MINUTE requests from one anonymous client are RATE_LIMITED", async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 25; i++) codes.push(...errorCodes(await og.anonymous.execute(ViewerDocument)));
    expect(codes).toContain("RATE_LIMITED");
  });
});
