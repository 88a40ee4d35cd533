import "reflect-metadata";
import { createRedisBus } from "../shared/bus";
import { connectMongo } from "../shared/mongo";
import { runStandalone } from "../shared/standalone";
import { startSubgraphServer } from "../shared/subgraph-server";
import { createAccountsSubgraph } from "./index";

/** `npm run start:accounts`: the accounts subgraph alone, on ACCOUNTS_PORT. */
runStandalone("accounts subgraph", ["MONGODB_URI", "INTERNAL_SECRET", "ADMIN_API_KEY"], async (config) => {
  const connection = await connectMongo(config.mongodbUri!, "offergate-accounts");
  // With Redis, a key rotation here reaches every gateway's cache at once.
  const bus = config.redisUrl ? await createRedisBus(config.redisUrl) : undefined;
  const subgraph = await createAccountsSubgraph({
    connection,
    adminApiKey: config.adminApiKey!,
    internalSecret: config.internalSecret!,
    revokeKeys: bus ? (id) => bus.revokeKeys(id) : undefined,
  });
  const running = await startSubgraphServer({ ...subgraph, introspection: config.introspection }, config.subgraphPorts.accounts, config.host);
  return {
    url: running.url,
    close: async () => {
      await running.close();
      await bus?.close();
      await connection.close();
    },
  };
});
