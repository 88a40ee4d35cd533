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

interface Claims {
  k: PrincipalKind;
  i: string | null;
  t: number;
}

const b64 = (s: string) => Buffer.from(s).toString("base64url");
const mac = (secret: string, payload: string) => createHmac("sha256", secret).update(payload).digest("base64url");

/** `payload.signature`, both base64url; the payload carries the principal and when it was signed. */
export function signPrincipal(principal: Principal, secret: string, now = Date.now()): string {
  const payload = b64(JSON.stringify({ k: principal.kind, i: principal.id, t: now } satisfies Claims));
  return `${payload}.${mac(secret, payload)}`;
}

export type VerifyResult = { ok: true; principal: Principal | null } | { ok: false; reason: string };

/** A missing header is anonymous; a present one must carry a valid, fresh signature. */
export function verifyPrincipal(header: string | undefined | null, secret: string, now = Date.now()): VerifyResult {
  if (header === undefined || header === null || header === "") return { ok: true, principal: null };
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
  if (claims.k === "ADMIN" || claims.k === "SERVICE") return { ok: true, principal: { kind: claims.k, id: null } };
  if ((claims.k === "SELLER" || claims.k === "MARKETPLACE") && typeof claims.i === "string") {
    return { ok: true, principal: { kind: claims.k, id: claims.i } };
  }
  return { ok: false, reason: "malformed principal" };
}
