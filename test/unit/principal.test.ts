import { createHmac } from "node:crypto";
import { signPrincipal, verifyPrincipal, type Principal } from "../../src/shared/principal";

const secret = "s".repeat(32);
const now = Date.parse("2026-01-01T00:00:00Z");
const seller: Principal = { kind: "SELLER", id: "sel_0123456789abcdef01234567" };

const encode = (claims: unknown) => Buffer.from(JSON.stringify(claims)).toString("base64url");
const seconds = Math.floor(now / 1000);
/** Signs any header and claims with HS256 by hand: what an attacker holding the secret could make, to check the claims' own checks. */
const sign = (claims: unknown, header: unknown = { alg: "HS256", typ: "JWT" }, key = secret) => {
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
};

describe("signPrincipal / verifyPrincipal", () => {
  it.each<Principal>([
    { kind: "ADMIN", id: null },
    { kind: "SERVICE", id: null },
    seller,
    { kind: "MARKETPLACE", id: "mkt_0123456789abcdef01234567" },
  ])("round-trips %o", async (principal) => {
    const header = await signPrincipal(principal, secret, now);
    expect(header.split(".")).toHaveLength(3);
    expect(await verifyPrincipal(header, secret, now)).toEqual({ ok: true, principal });
  });

  it("is a standard HS256 JWT with iat and exp five minutes apart", async () => {
    const [head, payload] = (await signPrincipal(seller, secret, now)).split(".");
    expect(JSON.parse(Buffer.from(head!, "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT" });
    expect(JSON.parse(Buffer.from(payload!, "base64url").toString())).toEqual({ kind: "SELLER", sub: seller.id, iat: seconds, exp: seconds + 300 });
  });

  it("round-trips a signed anonymous caller as null", async () => {
    expect(await verifyPrincipal(await signPrincipal(null, secret, now), secret, now)).toEqual({ ok: true, principal: null });
    expect((await verifyPrincipal(await signPrincipal(null, "x".repeat(32), now), secret, now)).ok).toBe(false);
  });

  it.each([undefined, null, ""])("refuses a missing header (%p): anonymous callers are signed too", async (header) => {
    expect(await verifyPrincipal(header, secret, now)).toEqual({ ok: false, reason: "missing principal header" });
  });

  it("refuses a header signed with another secret (forged)", async () => {
    const forged = await signPrincipal({ kind: "ADMIN", id: null }, "x".repeat(32), now);
    expect(await verifyPrincipal(forged, secret, now)).toEqual({ ok: false, reason: expect.stringMatching(/signature/) });
  });

  it("refuses a payload changed after signing (tampered)", async () => {
    const [head, , signature] = (await signPrincipal(seller, secret, now)).split(".");
    const tampered = `${head}.${encode({ kind: "ADMIN", iat: seconds, exp: seconds + 300 })}.${signature}`;
    expect(await verifyPrincipal(tampered, secret, now)).toEqual({ ok: false, reason: expect.stringMatching(/signature/) });
    const otherSeller = `${head}.${encode({ kind: "SELLER", sub: "sel_ffffffffffffffffffffffff", iat: seconds, exp: seconds + 300 })}.${signature}`;
    expect((await verifyPrincipal(otherSeller, secret, now)).ok).toBe(false);
  });

  it("refuses a changed signature", async () => {
    const header = await signPrincipal(seller, secret, now);
    const last = header.at(-1) === "A" ? "B" : "A";
    expect((await verifyPrincipal(header.slice(0, -1) + last, secret, now)).ok).toBe(false);
    expect((await verifyPrincipal(header.slice(0, -1), secret, now)).ok).toBe(false);
  });

  it("accepts a header within five minutes and refuses an older one (expired) or one from the future", async () => {
    const header = await signPrincipal(seller, secret, now);
    expect((await verifyPrincipal(header, secret, now + 4 * 60_000)).ok).toBe(true);
    expect(await verifyPrincipal(header, secret, now + 6 * 60_000)).toEqual({ ok: false, reason: expect.stringMatching(/expired/) });
    expect((await verifyPrincipal(header, secret, now - 6 * 60_000)).ok).toBe(false);
    // The same checks on a header not verified before (the first verification is jose's, the later ones are remembered).
    const other = await signPrincipal({ kind: "MARKETPLACE", id: "mkt_1" }, secret, now);
    expect(await verifyPrincipal(other, secret, now + 6 * 60_000)).toEqual({ ok: false, reason: expect.stringMatching(/expired/) });
    expect(await verifyPrincipal(other, secret, now - 6 * 60_000)).toEqual({ ok: false, reason: expect.stringMatching(/expired/) });
    // A header made to live longer than five minutes is still refused after five.
    const long = sign({ kind: "ADMIN", iat: seconds, exp: seconds + 3600 });
    expect((await verifyPrincipal(long, secret, now + 60_000)).ok).toBe(true);
    expect((await verifyPrincipal(long, secret, now + 6 * 60_000)).ok).toBe(false);
  });

  it.each(["garbage", "a.b.c", ".", "abc.", ".abc", "a.b.c.d.e"])("refuses the malformed header %p", async (header) => {
    expect((await verifyPrincipal(header, secret, now)).ok).toBe(false);
  });

  it("refuses validly signed claims of the wrong shape, and any algorithm but HS256", async () => {
    const times = { iat: seconds, exp: seconds + 300 };
    expect((await verifyPrincipal(sign({ kind: "SELLER", ...times }), secret, now)).ok).toBe(false);
    expect((await verifyPrincipal(sign({ kind: "ROOT", ...times }), secret, now)).ok).toBe(false);
    expect((await verifyPrincipal(sign({ kind: "ADMIN", exp: seconds + 300 }), secret, now)).ok).toBe(false);
    expect((await verifyPrincipal(sign({ kind: "ADMIN", iat: seconds }), secret, now)).ok).toBe(false);
    expect((await verifyPrincipal(sign({ kind: "ADMIN", ...times }, { alg: "none", typ: "JWT" }), secret, now)).ok).toBe(false);
    expect((await verifyPrincipal(`${encode({ alg: "none" })}.${encode({ kind: "ADMIN", ...times })}.`, secret, now)).ok).toBe(false);
    // The check itself: the same construction with valid claims is accepted.
    expect(await verifyPrincipal(sign({ kind: "SELLER", sub: "sel_1", ...times }), secret, now)).toEqual({
      ok: true,
      principal: { kind: "SELLER", id: "sel_1" },
    });
  });

  it("gives an admin no id even if the claims carry one", async () => {
    const header = await signPrincipal({ kind: "ADMIN", id: "sel_x" }, secret, now);
    expect(await verifyPrincipal(header, secret, now)).toEqual({ ok: true, principal: { kind: "ADMIN", id: null } });
    const claimed = sign({ kind: "ADMIN", sub: "sel_x", iat: seconds, exp: seconds + 300 });
    expect(await verifyPrincipal(claimed, secret, now)).toEqual({ ok: true, principal: { kind: "ADMIN", id: null } });
  });
});
