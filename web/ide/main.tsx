import { createGraphiQLFetcher, type Fetcher, type FetcherParams } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { getOperationAST, parse, type ExecutionResult } from "graphql";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { GRAPHQL_URL, sseSubscription } from "../shared/transport";
import "graphiql/style.css";
import "./ide.css";

/** Prefilled in the headers editor: the line to complete with a key. Left as it is, requests go without it (anonymous). */
const KEY_PLACEHOLDER = "<your API key>";
const DEFAULT_HEADERS = JSON.stringify({ Authorization: `Bearer ${KEY_PLACEHOLDER}` }, null, 2);

const DEFAULT_QUERY = `# Queries, mutations and subscriptions (over SSE) run here.
# Your API key goes in the Headers tab; without it you are anonymous.

query Products {
  products(first: 5) {
    totalCount
    edges {
      node {
        id
        gtin
        name
        offers(first: 5) {
          edges {
            node { id marketplace { name } price currency available quantity unavailableReason }
          }
        }
      }
    }
  }
}

# subscription Live($productId: ID) {
#   offerUpdates(productId: $productId) { id version available quantity price }
# }
`;

/** The headers as typed, without an Authorization header still holding the placeholder (or no key at all). */
function effectiveHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const text = String(value);
    if (name.toLowerCase() === "authorization" && (text.includes(KEY_PLACEHOLDER) || /^bearer\s*$/i.test(text.trim()))) continue;
    out[name] = text;
  }
  return out;
}

function isSubscription(params: FetcherParams): boolean {
  try {
    return getOperationAST(parse(params.query), params.operationName ?? undefined)?.operation === "subscription";
  } catch {
    return false; // the server answers with the syntax error
  }
}

const http = createGraphiQLFetcher({ url: GRAPHQL_URL });

const fetcher: Fetcher = (params, options) => {
  const headers = effectiveHeaders(options?.headers);
  // The server's results are ExecutionResults as JSON: errors are plain objects, which GraphiQL only prints.
  if (isSubscription(params)) return sseSubscription(params, headers) as unknown as AsyncIterable<ExecutionResult>;
  return http(params, { ...options, headers });
};

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} defaultHeaders={DEFAULT_HEADERS} defaultEditorToolsVisibility="headers" shouldPersistHeaders={false}>
      <GraphiQL.Logo>offergate</GraphiQL.Logo>
    </GraphiQL>
  </StrictMode>,
);
