import { randomBytes } from "node:crypto";
import { startOffergate, type Offergate, type StartOptions } from "../../src/app";
import { loadConfig } from "../../src/shared/config";
import { GraphQLClient } from "./graphql-client";

export interface TestOffergate {
  app: Offergate;
  /** The gateway's GraphQL endpoint. */
  url: string;
  /** The gateway's origin, for `/health`, `/ready` and `/metrics`. */
  origin: string;
  adminApiKey: string;
  anonymous: GraphQLClient;
  admin: GraphQLClient;
  /** A client that sends this API key. */
  as(apiKey: string | undefined): GraphQLClient;
  close(): Promise<void>;
}

/**
 * Starts the whole service in this process, as `npm start` does: the three
 * subgraphs, the gateway on a free loopback port and, unless MONGODB_URI is
 * given, its own embedded database. `env` overrides the environment it is
 * configured from.
 */
export async function startTestOffergate(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestOffergate> {
  const config = loadConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "error",
    ADMIN_API_KEY: `og_admin_test_${randomBytes(18).toString("base64url")}`,
    ...env,
  });
  const app = await startOffergate(config, options);
  const anonymous = new GraphQLClient(app.url);
  return {
    app,
    url: app.url,
    origin: new URL(app.url).origin,
    adminApiKey: app.adminApiKey,
    anonymous,
    admin: anonymous.as(app.adminApiKey),
    as: (apiKey) => anonymous.as(apiKey),
    close: () => app.close(),
  };
}

/** GET on the gateway with a timeout; returns the status, the content type and the body as text. */
export async function httpGet(url: string): Promise<{ status: number; contentType: string; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() };
}
