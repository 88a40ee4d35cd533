import { createHash } from "node:crypto";
import { GraphQLError } from "graphql";
import { ServiceUnavailableError } from "../shared/errors";
import { SERVICE_PRINCIPAL, PRINCIPAL_HEADER, signPrincipal, type Principal } from "../shared/principal";

export type Authenticator = ((apiKey: string) => Promise<Principal>) & {
  /** Drops every cached key of this account (its keys were rotated or revoked). */
  forget?(principalId: string): void;
};

/** How long a verified key is trusted without asking the accounts subgraph again. */
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

export const unauthenticated = (message: string) =>
  new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });

/**
 * Resolves an API key to its principal through the accounts subgraph (which
 * alone holds the hashes), with a short cache so that a busy key costs one
 * look-up every few seconds. An unknown key is UNAUTHENTICATED, never anonymous;
 * an accounts subgraph that cannot answer is SERVICE_UNAVAILABLE (fail closed).
 */
export function createAuthenticator(
  accountsUrl: () => string,
  internalSecret: string,
  /** The account's revocation generation in the shared store (see EventBus); none: trust the cache until it expires. */
  generation: (principalId: string) => Promise<string> = async () => "0",
): Authenticator {
  const cache = new Map<string, { principal: Principal; expires: number; generation: string }>();
  const generationOf = (p: Principal) => (p.id ? generation(p.id) : Promise.resolve("0"));
  // Bumped by every revocation: a look-up that was in flight across one must
  // not cache what it read, which may be the key just revoked.
  let revocations = 0;
  const authenticate: Authenticator = async (apiKey) => {
    const cacheKey = createHash("sha256").update(apiKey).digest("base64url");
    const hit = cache.get(cacheKey);
    if (hit && hit.expires > Date.now() && (await generationOf(hit.principal)) === hit.generation) return hit.principal;
    const epoch = revocations;

    let body: { data?: { _authenticate: Principal | null }; errors?: unknown[] };
    try {
      const response = await fetch(accountsUrl(), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [PRINCIPAL_HEADER]: signPrincipal(SERVICE_PRINCIPAL, internalSecret),
        },
        body: JSON.stringify({
          query: "query($k: String!) { _authenticate(apiKey: $k) { kind id } }",
          variables: { k: apiKey },
        }),
        signal: AbortSignal.timeout(5_000),
      });
      body = (await response.json()) as typeof body;
    } catch {
      throw new ServiceUnavailableError();
    }
    if (!body.data || body.errors?.length) throw new ServiceUnavailableError();
    const principal = body.data._authenticate;
    if (!principal) throw unauthenticated("Unknown or revoked API key");
    const seen = await generationOf(principal);
    if (epoch !== revocations) return principal;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(cacheKey, { principal, expires: Date.now() + CACHE_TTL_MS, generation: seen });
    return principal;
  };
  authenticate.forget = (principalId) => {
    revocations++;
    for (const [key, entry] of cache) if (entry.principal.id === principalId) cache.delete(key);
  };
  return authenticate;
}

/** `Bearer <key>` → the key; no header → undefined; anything else → UNAUTHENTICATED. */
export function bearerKey(header: string | null | undefined): string | undefined {
  if (header === null || header === undefined || header === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <API key>"');
  return match[1];
}
