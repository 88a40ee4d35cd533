import "reflect-metadata";
import { ConfigError, loadConfig, type Config } from "./config";
import { setLogLevel } from "./logger";
import { assertPortFree, failStart, onShutdown } from "./shutdown";
import { flushTracing, startTracing } from "./tracing";

/**
 * Runs one part of offergate as its own process (a subgraph or the gateway):
 * validated configuration, with the variables that part cannot do without;
 * clean shutdown on SIGTERM; a clear message and exit code 1 on a bad start.
 */
export function runStandalone(
  part: string,
  required: (keyof NodeJS.ProcessEnv & string)[],
  start: (config: Config) => Promise<{ url: string; close(): Promise<void> }>,
  /** The port it will listen on: checked first, so that a port in use is told before the slow part of the start. */
  port?: (config: Config) => number,
): void {
  const main = async () => {
    const missing = required.filter((name) => !process.env[name]);
    if (missing.length) throw new ConfigError(missing.map((name) => `${name}: required to run the ${part} on its own`));
    const config = loadConfig();
    setLogLevel(config.logLevel);
    await startTracing({ endpoint: config.tracing.endpoint, serviceName: config.tracing.serviceName ?? `offergate-${part.split(" ")[0]}` });
    const listenPort = port?.(config);
    if (listenPort) await assertPortFree(listenPort, config.host);
    const running = await start(config);
    onShutdown(async () => {
      await running.close();
      await flushTracing();
    });
    process.stderr.write(`offergate ${part} listening on ${running.url}\n`);
  };
  main().catch((error: unknown) => failStart(part, error));
}
