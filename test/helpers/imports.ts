import { OfferImportDocument } from "../generated/graphql";
import type { GraphQLClient } from "./graphql-client";

/** POSTs a CSV file to `/imports/offers` on the gateway's origin. */
export async function postImport(
  origin: string,
  apiKey: string | undefined,
  query: Record<string, string>,
  csv: string | Buffer,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${origin}/imports/offers?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { "content-type": "text/csv", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...headers },
    body: typeof csv === "string" ? csv : new Uint8Array(csv),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, location: response.headers.get("location"), body };
}

/** Polls `offerImport` until it is DONE or FAILED (generous deadline: the machine is shared). */
export async function waitForImport(client: GraphQLClient, id: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { offerImport } = await client.data(OfferImportDocument, { id, first: 100 });
    if (offerImport && (offerImport.status === "DONE" || offerImport.status === "FAILED")) return offerImport;
    if (Date.now() > deadline) throw new Error(`import ${id} did not finish: ${JSON.stringify(offerImport)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
