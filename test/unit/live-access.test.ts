import { createAuthenticator, type KeyLookup } from "../../src/gateway/authenticate";
import { LiveAccess, type EndCode } from "../../src/gateway/subscriptions/live-access";
import type { Principal } from "../../src/shared/principal";

/** What a key holds open ends when its account's keys change and it is refused, and only then. */

const SELLER: Principal = { kind: "SELLER", id: "s1" };

function setup() {
  const keys: Record<string, Principal | "down"> = { old: SELLER, fresh: SELLER, other: { kind: "MARKETPLACE", id: "m1" } };
  const lookup: KeyLookup = async (apiKey) => {
    const found = keys[apiKey];
    if (found === "down") throw new Error("accounts unreachable");
    return found ?? null;
  };
  const live = new LiveAccess(createAuthenticator(lookup));
  const ended: [string, EndCode][] = [];
  const hold = (principalId: string, apiKey: string, mark = live.mark()) => live.hold(principalId, apiKey, mark, (code) => ended.push([apiKey, code]));
  return { keys, live, ended, hold };
}

it("a revocation ends what a refused key holds, with UNAUTHENTICATED, and leaves the account's valid key and other accounts alone", async () => {
  const { keys, live, ended, hold } = setup();
  hold("s1", "old");
  hold("s1", "old");
  hold("s1", "fresh");
  hold("m1", "other");
  delete keys.old;
  await live.revoked("s1");
  expect(ended).toEqual([
    ["old", "UNAUTHENTICATED"],
    ["old", "UNAUTHENTICATED"],
  ]);
  expect(live.size()).toBe(2);
  // Ended once: a second revocation does not end them again.
  await live.revoked("s1");
  expect(ended).toHaveLength(2);
});

it("a key that cannot be checked again ends its connections with SERVICE_UNAVAILABLE, after retries", async () => {
  const { keys, live, ended, hold } = setup();
  hold("s1", "old");
  keys.old = "down";
  const started = Date.now();
  await live.revoked("s1");
  expect(ended).toEqual([["old", "SERVICE_UNAVAILABLE"]]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(500); // 3 tries, 300 ms apart
});

it("a key checked before a revocation and held after it is checked again", async () => {
  const { keys, live, ended, hold } = setup();
  const mark = live.mark();
  delete keys.old;
  await live.revoked("s1"); // nothing held yet
  hold("s1", "old", mark);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(ended).toEqual([["old", "UNAUTHENTICATED"]]);
  expect(live.size()).toBe(0);
});

it("a released connection is not ended, and revokedAll checks every account", async () => {
  const { keys, live, ended, hold } = setup();
  const release = hold("s1", "old");
  hold("m1", "other");
  release();
  delete keys.old;
  delete keys.other;
  await live.revokedAll();
  expect(ended).toEqual([["other", "UNAUTHENTICATED"]]);
  expect(live.size()).toBe(0);
});
