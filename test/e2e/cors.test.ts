import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * CORS by allow-list: a page on an origin CORS_ORIGINS names may call the
 * gateway (its origin named back, never `*`, never with credentials); any
 * other origin gets no CORS header, so its browser keeps the answer from it.
 * Without CORS_ORIGINS no origin is let in.
 */
const ALLOWED = "https://shop.example";
let og: TestOffergate;
let closed: TestOffergate;
beforeAll(async () => {
  [og, closed] = await Promise.all([startTestOffergate({ CORS_ORIGINS: `${ALLOWED}, http://localhost:3000` }), startTestOffergate()]);
});
afterAll(async () => {
  await og?.close();
  await closed?.close();
});

const cors = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith("access-control-") || name === "vary"));

const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    signal: AbortSignal.timeout(10_000),
  });

const query = (url: string, origin: string, apiKey?: string) =>
  fetch(url, {
    method: "POST",
    headers: { origin, "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ query: "{ viewer { kind } }" }),
    signal: AbortSignal.timeout(10_000),
  });

describe("an allowed origin", () => {
  it("passes the preflight for POST with the Authorization header, without credentials", async () => {
    const response = await preflight(og.url, ALLOWED);
    expect(response.status).toBe(204);
    expect(cors(response)).toEqual({
      "access-control-allow-origin": ALLOWED,
      "access-control-allow-methods": "GET, POST",
      "access-control-allow-headers": "authorization, content-type, accept",
      "access-control-max-age": "600",
      vary: "Origin",
    });
  });

  it("may read the answer, which names it and not `*`", async () => {
    const response = await query(og.url, ALLOWED, og.adminApiKey);
    expect(cors(response)).toEqual({ "access-control-allow-origin": ALLOWED, vary: "Origin" });
    expect(await response.json()).toEqual({ data: { viewer: { kind: "ADMIN" } } });
  });
});

describe("any other origin", () => {
  it.each(["https://evil.example", "null", "https://shop.example.evil.example", "http://shop.example"])("%s gets no CORS header, on the preflight or the answer", async (origin) => {
    const pre = await preflight(og.url, origin);
    expect(cors(pre)).toEqual({ vary: "Origin" });
    expect(cors(await query(og.url, origin))).toEqual({ vary: "Origin" });
  });

  it("none at all without CORS_ORIGINS, the allowed origin above included", async () => {
    expect(cors(await preflight(closed.url, ALLOWED))).toEqual({ vary: "Origin" });
    const response = await query(closed.url, ALLOWED, closed.adminApiKey);
    expect(cors(response)).toEqual({ vary: "Origin" });
    // Not a browser: the request itself is still served; it is the browser that withholds the answer.
    expect(await response.json()).toEqual({ data: { viewer: { kind: "ADMIN" } } });
  });
});
