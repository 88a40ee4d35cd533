import "reflect-metadata";
import { createLocalBus, createRedisBus } from "../shared/bus";
import { connectMongo } from "../shared/mongo";
import { runStandalone } from "../shared/standalone";
import { startSubgraphServer } from "../shared/subgraph-server";
import { createExchangeSubgraph } from "./index";

/**
 * `npm run start:exchange`: the exchange subgraph alone, on EXCHANGE_PORT.
 * With REDIS_URL, its replicas ring each other's feed subscribers; without,
 * each replica's subscribers still see every event by polling the log.
 */
runStandalone("exchange subgraph", ["MONGODB_URI", "INTERNAL_SECRET", "ACCOUNTS_URL", "CATALOG_URL"], async (config) => {
  const connection = await connectMongo(config.mongodbUri!, "offergate-exchange");
  const bus = config.redisUrl ? await createRedisBus(config.redisUrl) : createLocalBus();
  const subgraph = await createExchangeSubgraph({
    connection,
    bus,
    internalSecret: config.internalSecret!,
    maxForwardDepth: config.maxForwardDepth,
    feedSweepIntervalMs: config.feedSweepIntervalMs,
    feedPollMs: config.feedPollMs,
    feedLayout: config.feedLayout,
    webhooks: config.webhooks,
    imports: config.imports,
    accountsUrl: () => config.subgraphUrls.accounts!,
    catalogUrl: () => config.subgraphUrls.catalog!,
  });
  const running = await startSubgraphServer({ ...subgraph, introspection: config.introspection }, config.subgraphPorts.exchange, config.host);
  return {
    url: running.url,
    close: async () => {
      await subgraph.stop();
      await running.close();
      await bus.close();
      await connection.close();
    },
  };
});
