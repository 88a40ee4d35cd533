import "reflect-metadata";
import { connectMongo } from "../shared/mongo";
import { runStandalone } from "../shared/standalone";
import { startSubgraphServer } from "../shared/subgraph-server";
import { createCatalogSubgraph } from "./index";

/** `npm run start:catalog`: the catalog subgraph alone, on CATALOG_PORT. */
runStandalone("catalog subgraph", ["MONGODB_URI", "INTERNAL_SECRET"], async (config) => {
  const connection = await connectMongo(config.mongodbUri!, "offergate-catalog");
  const subgraph = await createCatalogSubgraph({ connection, internalSecret: config.internalSecret! });
  const running = await startSubgraphServer({ ...subgraph, introspection: config.introspection }, config.subgraphPorts.catalog, config.host);
  return {
    url: running.url,
    close: async () => {
      await running.close();
      await connection.close();
    },
  };
});
