import { createHash } from "node:crypto";
import { GraphQLError, parse, type ExecutionResult } from "graphql";
import { isLocalGeneration } from "../shared/bus";
import { ServiceUnavailableError } from "../shared/errors";
import { SERVICE_PRINCIPAL, PRINCIPAL_HEADER, signPrincipal, type Principal } from "../shared/principal";
import { traceHeaders } from "../shared/tracing";
import { inProcessExecutor, type LocalSubgraph } from "./in-process";

export type Authenticator = ((apiKey: string) => Promise<Principal>) & {
  /** Drops every cached key of this account (its keys were rotated or revoked), or of every account when none is named. */
  forget?(principalId?: string): void;
};

/**
 * Asks the accounts subgraph (which alone holds the keys' hashes) whose key
 * this is: its principal, or null for none. Throws when it cannot answer.
 */
export type KeyLookup = (apiKey: string) => Promise<Principal | null>;

/** How long a verified key is trusted without asking the accounts subgraph again. */
const CACHE_TTL_MS = 5_000;
/**
 * How long, when the shared store cannot be read (Redis down), a verified key
 * is trusted: revocations made on other replicas cannot reach this one then,
 * so it asks the accounts subgraph (the database) again this often instead.
 */
const DEGRADED_CACHE_TTL_MS = 1_000;
const CACHE_MAX = 10_000;
/** A look-up that has not answered by then fails closed. */
const LOOKUP_TIMEOUT_MS = 5_000;

const LOOKUP_QUERY = "query($k: String!) { _authenticate(apiKey: $k) { kind id } }";

export const unauthenticated = (message: string) =>
  new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });

/** The look-up's answer, or ServiceUnavailableError when the accounts subgraph answered with errors or nothing. */
function principalIn(result: Pick<ExecutionResult<{ _authenticate: Principal | null }>, "data" | "errors">): Principal | null {
  if (!result.data || result.errors?.length) throw new ServiceUnavailableError();
  return result.data._authenticate;
}

/** Look-ups over HTTP, as a gateway in its own process makes them. */
export function httpKeyLookup(accountsUrl: () => string, internalSecret: string): KeyLookup {
  return async (apiKey) => {
    const response = await fetch(accountsUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", [PRINCIPAL_HEADER]: await signPrincipal(SERVICE_PRINCIPAL, internalSecret), ...traceHeaders() },
      body: JSON.stringify({ query: LOOKUP_QUERY, variables: { k: apiKey } }),
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    });
    return principalIn((await response.json()) as ExecutionResult<{ _authenticate: Principal | null }>);
  };
}

/**
 * Look-ups by a call into the accounts subgraph in this process (the embedded
 * mode), as its queries are made: the same query, the same signed service
 * principal, no loopback request.
 */
export function inProcessKeyLookup(accounts: LocalSubgraph, internalSecret: string): KeyLookup {
  const execute = inProcessExecutor(accounts, internalSecret, "accounts");
  const document = parse(LOOKUP_QUERY);
  return async (apiKey) =>
    principalIn(
      (await execute({
        document,
        variables: { k: apiKey },
        extensions: { headers: { [PRINCIPAL_HEADER]: await signPrincipal(SERVICE_PRINCIPAL, internalSecret) } },
      })) as ExecutionResult<{ _authenticate: Principal | null }>,
    );
}

/** `lookup`'s answer, or ServiceUnavailableError when it fails or takes longer than LOOKUP_TIMEOUT_MS. */
async function lookUp(lookup: KeyLookup, apiKey: string): Promise<Principal | null> {
  let timer: NodeJS.Timeout | undefined;
  // Whatever it rejects with, the catch below answers SERVICE_UNAVAILABLE.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(reject, LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup(apiKey), timeout]);
  } catch {
    throw new ServiceUnavailableError();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves an API key to its principal through the accounts subgraph, with a
 * short cache so that a busy key costs one look-up every few seconds. An
 * unknown key is UNAUTHENTICATED, never anonymous; an accounts subgraph that
 * cannot answer is SERVICE_UNAVAILABLE (fail closed).
 */
export function createAuthenticator(
  lookup: KeyLookup,
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
    // Read before the look-up, it may serve as what the look-up saw (a revocation after it changes it): one read, not two.
    const current = hit && hit.expires > Date.now() ? await generationOf(hit.principal) : undefined;
    if (hit && current === hit.generation) return hit.principal;
    const epoch = revocations;
    const principal = await lookUp(lookup, apiKey);
    if (!principal) throw unauthenticated("Unknown or revoked API key");
    const seen = current !== undefined && principal.id === hit!.principal.id ? current : await generationOf(principal);
    if (epoch !== revocations) return principal;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(cacheKey, { principal, expires: Date.now() + (isLocalGeneration(seen) ? DEGRADED_CACHE_TTL_MS : CACHE_TTL_MS), generation: seen });
    return principal;
  };
  authenticate.forget = (principalId) => {
    revocations++;
    if (principalId === undefined) return cache.clear();
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
