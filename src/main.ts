import "reflect-metadata";
import { startOffergate } from "./app";
import { ConfigError, loadConfig } from "./shared/config";
import { logger, setLogLevel } from "./shared/logger";
import { onShutdown } from "./shared/shutdown";

/** `npm start`: the whole service in one process, on an embedded database unless MONGODB_URI is set. */
async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.logLevel);
  const app = await startOffergate(config);
  onShutdown(() => app.close());
  process.stdout.write(`offergate listening on ${app.url}\n`);
  if (!config.adminApiKey) process.stdout.write(`generated ADMIN_API_KEY=${app.adminApiKey}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else logger.error("start-up failed", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
