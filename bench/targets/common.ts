import "reflect-metadata";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { startOffergate, type Offergate } from "../../src/app";
import { buildAccountsSchema } from "../../src/accounts/schema";
import { buildCatalogSchema } from "../../src/catalog/schema";
import { buildExchangeSchema } from "../../src/exchange/schema";
import { loadConfig, type Config } from "../../src/shared/config";
import { composeSupergraph, subgraphSdl } from "../../src/shared/federation";
import { setLogLevel } from "../../src/shared/logger";

/**
 * What every bench target shares: its configuration from the environment the
 * bench gives it, the subgraphs it puts a gateway in front of, and the line
 * `READY <url>` the bench waits for.
 */
export function targetConfig(): Config {
  const config = loadConfig(process.env);
  setLogLevel(config.logLevel);
  return config;
}

export interface Subgraphs {
  supergraphSdl: string;
  /** The offergate process whose subgraphs these are, when they run in this process. */
  app?: Offergate;
}

/**
 * The same three subgraphs as offergate's: in this process (started exactly as
 * `npm start` starts them; its own gateway stays idle) unless ACCOUNTS_URL,
 * CATALOG_URL and EXCHANGE_URL point to separate processes.
 */
export async function subgraphs(config: Config): Promise<Subgraphs> {
  const urls = config.subgraphUrls;
  if (urls.accounts && urls.catalog && urls.exchange) {
    const [accounts, catalog, exchange] = await Promise.all([buildAccountsSchema(), buildCatalogSchema(), buildExchangeSchema()]);
    const { supergraphSdl } = composeSupergraph([
      { name: "accounts", url: urls.accounts, sdl: subgraphSdl(accounts) },
      { name: "catalog", url: urls.catalog, sdl: subgraphSdl(catalog) },
      { name: "exchange", url: urls.exchange, sdl: subgraphSdl(exchange) },
    ]);
    return { supergraphSdl };
  }
  const app = await startOffergate({ ...config, port: 0 });
  const { supergraphSdl } = composeSupergraph(
    Object.values(app.subgraphs).map((s) => ({ name: s.name, url: s.url, sdl: subgraphSdl(s.schema) })),
  );
  return { supergraphSdl, app };
}

/** Serves a request listener on a free loopback port. */
export async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

export function ready(url: string): void {
  process.stdout.write(`READY ${url}\n`);
}

/** Runs a target; exits on SIGTERM (the bench stops targets that way). */
export function runTarget(start: () => Promise<string>): void {
  process.once("SIGTERM", () => process.exit(0));
  start().then(ready, (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
