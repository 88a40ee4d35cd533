import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The contract's kinds, plus SERVICE: one of our own processes (the gateway
 * authenticating a key, a subgraph checking another's entities). SERVICE has
 * none of the contract's rights; it only reaches internal fields.
 */
export type PrincipalKind = "ADMIN" | "SELLER" | "MARKETPLACE" | "SERVICE";

/** Who is calling. `null` in a context means anonymous. */
export interface Principal {
  kind: PrincipalKind;
  id: string | null;
}

export const SERVICE_PRINCIPAL: Principal = { kind: "SERVICE", id: null };

/** The header the gateway uses to pass the authenticated principal to subgraphs. */
export const PRINCIPAL_HEADER = "x-offergate-principal";

/**
 * How long a signed principal stays valid. Short: a captured header cannot be
 * replayed for long, and clocks of one deployment agree within seconds.
 */
const MAX_AGE_MS = 5 * 60_000;

/** The claim for an anonymous caller: signed like any other, so that a subgraph can tell the gateway's anonymous request from a stranger's. */
const ANONYMOUS = "ANONYMOUS";

interface Claims {
  k: PrincipalKind | typeof ANONYMOUS;
  i: string | null;
  t: number;
}

const b64 = (s: string) => Buffer.from(s).toString("base64url");
const mac = (secret: string, payload: string) => createHmac("sha256", secret).update(payload).digest("base64url");

/** `payload.signature`, both base64url; the payload carries the principal (`null`: anonymous) and when it was signed. */
export function signPrincipal(principal: Principal | null, secret: string, now = Date.now()): string {
  const claims: Claims = principal ? { k: principal.kind, i: principal.id, t: now } : { k: ANONYMOUS, i: null, t: now };
  const payload = b64(JSON.stringify(claims));
  return `${payload}.${mac(secret, payload)}`;
}

export type VerifyResult = { ok: true; principal: Principal | null } | { ok: false; reason: string };

/** Every request must carry a valid, fresh signature, anonymous ones included: a missing header is refused like a forged one. */
export function verifyPrincipal(header: string | undefined | null, secret: string, now = Date.now()): VerifyResult {
  if (header === undefined || header === null || header === "") return { ok: false, reason: "missing principal header" };
  const [payload, signature, extra] = header.split(".");
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: "malformed principal header" };
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: "bad principal signature" };
  }
  let claims: Claims;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Claims;
  } catch {
    return { ok: false, reason: "malformed principal header" };
  }
  if (typeof claims.t !== "number" || Math.abs(now - claims.t) > MAX_AGE_MS) {
    return { ok: false, reason: "expired principal header" };
  }
  if (claims.k === ANONYMOUS) return { ok: true, principal: null };
  if (claims.k === "ADMIN" || claims.k === "SERVICE") return { ok: true, principal: { kind: claims.k, id: null } };
  if ((claims.k === "SELLER" || claims.k === "MARKETPLACE") && typeof claims.i === "string") {
    return { ok: true, principal: { kind: claims.k, id: claims.i } };
  }
  return { ok: false, reason: "malformed principal" };
}
