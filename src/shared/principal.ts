import { createSecretKey, type KeyObject } from "node:crypto";
import { errors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { LRUCache } from "lru-cache";

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
const MAX_AGE_S = 5 * 60;
/** How far apart two processes' clocks may be. */
const CLOCK_TOLERANCE_S = 30;

/** The claim for an anonymous caller: signed like any other, so that a subgraph can tell the gateway's anonymous request from a stranger's. */
const ANONYMOUS = "ANONYMOUS";

/** The JWT's own claims besides iat and exp: who, and of what kind. */
interface Claims extends JWTPayload {
  kind?: unknown;
  sub?: string;
}

const keys = new Map<string, KeyObject>();
const keyFor = (secret: string) => {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret))));
  return key;
};

/**
 * jose signs through WebCrypto, some twenty times the CPU of a plain HMAC
 * (`npm run bench:libraries principal`). HS256 is deterministic, so a token
 * signed for the same principal in the same second is reused, and a token
 * verified once needs only its times checked again.
 */
const SIGNED = new LRUCache<string, { second: number; token: Promise<string> }>({ max: 10_000 });
const VERIFIED = new LRUCache<string, { iat: number; exp: number; principal: Principal | null }>({ max: 10_000 });

/** A compact JWS (HS256 JWT, by jose) carrying the principal's kind and id (`null`: anonymous), with iat and exp. */
export function signPrincipal(principal: Principal | null, secret: string, now = Date.now()): Promise<string> {
  const second = Math.floor(now / 1000);
  const kind = principal?.kind ?? ANONYMOUS;
  const id = principal && (principal.kind === "SELLER" || principal.kind === "MARKETPLACE") ? principal.id : null;
  const cacheKey = `${secret}\n${kind}\n${id ?? ""}`;
  const cached = SIGNED.get(cacheKey);
  if (cached?.second === second) return cached.token;
  const claims: Claims = id === null ? { kind } : { kind, sub: id };
  const token = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt(second).setExpirationTime(second + MAX_AGE_S).sign(keyFor(secret));
  SIGNED.set(cacheKey, { second, token });
  return token;
}

export type VerifyResult = { ok: true; principal: Principal | null } | { ok: false; reason: string };

/** Whether a verified token's times hold at `now`: issued at most MAX_AGE_S ago, not expired, not from the future. */
function fresh(iat: number, exp: number, now: number): boolean {
  const second = Math.floor(now / 1000);
  return iat - CLOCK_TOLERANCE_S <= second && second - iat - CLOCK_TOLERANCE_S <= MAX_AGE_S && exp > second - CLOCK_TOLERANCE_S;
}

function principalOf(claims: Claims): Principal | null | undefined {
  if (claims.kind === ANONYMOUS) return null;
  if (claims.kind === "ADMIN" || claims.kind === "SERVICE") return { kind: claims.kind, id: null };
  if ((claims.kind === "SELLER" || claims.kind === "MARKETPLACE") && typeof claims.sub === "string") return { kind: claims.kind, id: claims.sub };
  return undefined;
}

/** Every request must carry a valid, fresh signature, anonymous ones included: a missing header is refused like a forged one. */
export async function verifyPrincipal(header: string | undefined | null, secret: string, now = Date.now()): Promise<VerifyResult> {
  if (header === undefined || header === null || header === "") return { ok: false, reason: "missing principal header" };
  const cacheKey = `${secret}\n${header}`;
  const known = VERIFIED.get(cacheKey);
  if (known) return fresh(known.iat, known.exp, now) ? { ok: true, principal: known.principal } : { ok: false, reason: "expired principal header" };
  let claims: Claims;
  try {
    ({ payload: claims } = await jwtVerify<Claims>(header, keyFor(secret), {
      algorithms: ["HS256"],
      typ: "JWT",
      requiredClaims: ["iat", "exp"],
      maxTokenAge: MAX_AGE_S,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(now),
    }));
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: "bad principal signature" };
    if (error instanceof errors.JWTExpired || (error instanceof errors.JWTClaimValidationFailed && error.claim === "iat")) {
      return { ok: false, reason: "expired principal header" };
    }
    return { ok: false, reason: "malformed principal header" };
  }
  const principal = principalOf(claims);
  if (principal === undefined) return { ok: false, reason: "malformed principal" };
  VERIFIED.set(cacheKey, { iat: claims.iat!, exp: claims.exp!, principal });
  return { ok: true, principal };
}
