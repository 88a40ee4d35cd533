import { GraphQLError } from "graphql";
import { createAuthenticator, type KeyLookup } from "../../src/gateway/authenticate";
import type { Principal } from "../../src/shared/principal";

/** The gateway's key checks: what is cached, for how long, and how a look-up that fails is reported. */

const SELLER: Principal = { kind: "SELLER", id: "s1" };

/** A look-up that answers from `keys` and counts its calls. */
function lookupOf(keys: Record<string, Principal>) {
  const calls: string[] = [];
  const lookup: KeyLookup = async (apiKey) => {
    calls.push(apiKey);
    return keys[apiKey] ?? null;
  };
  return { lookup, calls };
}

const codeOf = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (error instanceof GraphQLError) return error.extensions.code;
  return (error as { code?: string } | null)?.code ?? error;
};

afterEach(() => jest.useRealTimers());

describe("createAuthenticator", () => {
  it("asks once for a key within five seconds, and again after", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate"] });
    const { lookup, calls } = lookupOf({ k1: SELLER });
    const authenticate = createAuthenticator(lookup);
    await expect(authenticate("k1")).resolves.toEqual(SELLER);
    await expect(authenticate("k1")).resolves.toEqual(SELLER);
    expect(calls).toEqual(["k1"]);
    jest.advanceTimersByTime(5_001);
    await expect(authenticate("k1")).resolves.toEqual(SELLER);
    expect(calls).toEqual(["k1", "k1"]);
  });

  it("an unknown key is UNAUTHENTICATED and not remembered", async () => {
    const { lookup, calls } = lookupOf({});
    const authenticate = createAuthenticator(lookup);
    expect(await codeOf(authenticate("nope"))).toBe("UNAUTHENTICATED");
    expect(await codeOf(authenticate("nope"))).toBe("UNAUTHENTICATED");
    expect(calls).toEqual(["nope", "nope"]);
  });

  it("a look-up that fails is SERVICE_UNAVAILABLE, whatever it threw, and nothing is cached", async () => {
    let fail = true;
    const authenticate = createAuthenticator(async () => {
      if (fail) throw new Error("connect ECONNREFUSED 127.0.0.1:4001");
      return SELLER;
    });
    const error = await authenticate("k1").catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe("SERVICE_UNAVAILABLE");
    expect((error as Error).message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    fail = false;
    await expect(authenticate("k1")).resolves.toEqual(SELLER);
  });

  it("a look-up that does not answer within five seconds is SERVICE_UNAVAILABLE", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate"] });
    const authenticate = createAuthenticator(() => new Promise<Principal | null>(() => undefined));
    const outcome = codeOf(authenticate("k1"));
    await jest.advanceTimersByTimeAsync(4_999);
    let settled = false;
    void outcome.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe("SERVICE_UNAVAILABLE");
  });

  it("forget drops the account's cached keys, and a look-up in flight across it is not cached", async () => {
    const { lookup, calls } = lookupOf({ k1: SELLER, k2: { kind: "SELLER", id: "s2" } });
    const authenticate = createAuthenticator(lookup);
    await authenticate("k1");
    await authenticate("k2");
    authenticate.forget!("s1");
    await authenticate("k1");
    await authenticate("k2");
    expect(calls).toEqual(["k1", "k2", "k1"]);

    // A look-up that starts before a revocation and answers after it.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: KeyLookup = async (apiKey) => {
      calls.push(apiKey);
      await gate;
      return SELLER;
    };
    const authenticateSlowly = createAuthenticator(slow);
    const first = authenticateSlowly("k3");
    authenticateSlowly.forget!("s1");
    release();
    await expect(first).resolves.toEqual(SELLER);
    await authenticateSlowly("k3");
    expect(calls.filter((k) => k === "k3")).toHaveLength(2);
  });

  it("a revocation seen through the shared generation drops a cached key at once", async () => {
    const { lookup, calls } = lookupOf({ k1: SELLER });
    let generation = "1";
    const authenticate = createAuthenticator(lookup, async () => generation);
    await authenticate("k1");
    await authenticate("k1");
    generation = "2";
    await authenticate("k1");
    expect(calls).toEqual(["k1", "k1"]);
  });
});
