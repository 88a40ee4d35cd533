import { serverAudits } from "graphql-http";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * The gateway against the GraphQL-over-HTTP spec, with the graphql-http
 * project's own server audits: every MUST, SHOULD and MAY, each its own test,
 * and none may end in a warning or a notice.
 */
let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate();
});
afterAll(() => og?.close());

describe("graphql-http server audits", () => {
  const audits = serverAudits({ url: () => og.url, fetchFn: fetch });

  it.each(audits.map((audit) => [`${audit.id} ${audit.name}`, audit] as const))("%s", async (_, audit) => {
    const result = await audit.fn();
    expect({ status: result.status, reason: result.status === "ok" ? undefined : result.reason }).toEqual({ status: "ok", reason: undefined });
  });
});

describe("malformed JSON", () => {
  it.each([
    ["not JSON", "{ \"query\": "],
    ["empty", ""],
    ["a bare word", "query"],
    ["JSON after a byte-order mark", `\uFEFF${JSON.stringify({ query: "{ viewer { kind } }" })}`],
  ])("a body that is %s, sent as application/json, is 400 BAD_USER_INPUT whatever the client accepts", async (_, body) => {
    for (const accept of ["application/json", "application/graphql-response+json", "*/*"]) {
      const response = await fetch(og.url, { method: "POST", headers: { "content-type": "application/json", accept }, body, signal: AbortSignal.timeout(10_000) });
      expect({ accept, status: response.status }).toEqual({ accept, status: 400 });
      const json = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
      expect(json.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(json.errors?.[0]?.message).toMatch(/JSON|empty/);
    }
  });

  it("valid JSON, with a charset or a +json type, is still served", async () => {
    for (const [contentType, body] of [
      ["application/json; charset=utf-8", JSON.stringify({ query: "{ viewer { kind } }" })],
      ["application/graphql+json", JSON.stringify({ query: "{ viewer { kind } }" })],
    ] as const) {
      const response = await fetch(og.url, { method: "POST", headers: { "content-type": contentType }, body, signal: AbortSignal.timeout(10_000) });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { viewer: null } });
    }
  });
});
