import "reflect-metadata";
import { loadConfig } from "./shared/config";
import { setLogLevel } from "./shared/logger";
import { assertPortFree, failStart, onShutdown } from "./shared/shutdown";
import { flushTracing, startTracing } from "./shared/tracing";

/** `npm start`: the whole service in one process, on an embedded database unless MONGODB_URI is set. */
async function main(): Promise<void> {
  const config = loadConfig(undefined, { databaseRequiredInProduction: true });
  setLogLevel(config.logLevel);
  // Before the service's modules load, so that everything they do can be traced.
  await startTracing({ endpoint: config.tracing.endpoint, serviceName: config.tracing.serviceName ?? "offergate" });
  // A port in use is told at once: before the service's modules load, and the database and subgraphs start, for nothing.
  if (config.port !== 0) await assertPortFree(config.port, config.host);
  const { startOffergate } = await import("./app.js");
  const app = await startOffergate(config);
  onShutdown(async () => {
    await app.close();
    await flushTracing();
  });
  process.stderr.write(`offergate listening on ${app.url}\n`);
  if (!config.adminApiKey) process.stderr.write(`generated ADMIN_API_KEY=${app.adminApiKey}\n`);
}

main().catch((error: unknown) => failStart("service", error));
