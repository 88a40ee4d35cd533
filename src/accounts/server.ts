import "reflect-metadata";
import { connectMongo } from "../shared/mongo";
import { runStandalone } from "../shared/standalone";
import { startSubgraphServer } from "../shared/subgraph-server";
import { createAccountsSubgraph } from "./index";

/** `npm run start:accounts`: the accounts subgraph alone, on ACCOUNTS_PORT. */
runStandalone("accounts subgraph", ["MONGODB_URI", "INTERNAL_SECRET", "ADMIN_API_KEY"], async (config) => {
  const connection = await connectMongo(config.mongodbUri!, "offergate-accounts");
  const subgraph = await createAccountsSubgraph({
    connection,
    adminApiKey: config.adminApiKey!,
    internalSecret: config.internalSecret!,
  });
  const running = await startSubgraphServer(subgraph, config.subgraphPorts.accounts, config.host);
  return {
    url: running.url,
    close: async () => {
      await running.close();
      await connection.close();
    },
  };
});
