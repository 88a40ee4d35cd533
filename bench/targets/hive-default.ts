/** The same subgraphs behind Hive Gateway's runtime as it comes: its JavaScript query planner, default transports. */
import "reflect-metadata";
import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";
import { listen, runTarget, subgraphs, targetConfig } from "./common";

runTarget(async () => {
  const { supergraphSdl } = await subgraphs(targetConfig());
  const gateway = createGatewayRuntime({ supergraph: supergraphSdl, logging: "error", graphqlEndpoint: "/graphql" });
  return listen(gateway);
});
