import { ServiceUnavailableError, type ErrorCode } from "../../shared/errors";
import { PRINCIPAL_HEADER, SERVICE_PRINCIPAL, signPrincipal } from "../../shared/principal";

export type GtinAnswer = { productId: string; name: string } | { code: ErrorCode; message: string };

/**
 * Finds products by GTIN in the catalog, which owns them: one request for a
 * whole batch (a `product(gtin:)` alias per distinct GTIN). An invalid GTIN
 * comes back with the catalog's BAD_USER_INPUT, an unknown one as NOT_FOUND.
 */
export async function lookUpGtins(
  catalogUrl: string,
  internalSecret: string,
  gtins: readonly string[],
  timeoutMs = 10_000,
): Promise<Map<string, GtinAnswer>> {
  const distinct = [...new Set(gtins)];
  const answers = new Map<string, GtinAnswer>();
  if (distinct.length === 0) return answers;
  const query = `query(${distinct.map((_, i) => `$g${i}: String!`).join(", ")}) { ${distinct
    .map((_, i) => `p${i}: product(gtin: $g${i}) { id name }`)
    .join(" ")} }`;
  let body: { data?: Record<string, { id: string; name: string } | null> | null; errors?: { path?: (string | number)[]; message: string; extensions?: { code?: string } }[] };
  try {
    const response = await fetch(catalogUrl, {
      method: "POST",
      headers: { "content-type": "application/json", [PRINCIPAL_HEADER]: await signPrincipal(SERVICE_PRINCIPAL, internalSecret) },
      body: JSON.stringify({ query, variables: Object.fromEntries(distinct.map((g, i) => [`g${i}`, g])) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = (await response.json()) as typeof body;
  } catch {
    throw new ServiceUnavailableError();
  }
  const errorAt = new Map((body.errors ?? []).map((e) => [String(e.path?.[0] ?? ""), e]));
  distinct.forEach((gtin, i) => {
    const error = errorAt.get(`p${i}`);
    const found = body.data?.[`p${i}`];
    if (found) answers.set(gtin, { productId: found.id, name: found.name });
    else if (error?.extensions?.code === "BAD_USER_INPUT") answers.set(gtin, { code: "BAD_USER_INPUT", message: error.message });
    else if (error || !body.data) throw new ServiceUnavailableError();
    else answers.set(gtin, { code: "NOT_FOUND", message: `No product with GTIN ${gtin}` });
  });
  return answers;
}
