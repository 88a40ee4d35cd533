/** The same subgraphs behind Hive Gateway's runtime as it comes: its JavaScript query planner, default transports. */
import "reflect-metadata";
import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";
import { PRINCIPAL_HEADER, signPrincipal } from "../../src/shared/principal";
import { listen, runTarget, subgraphs, targetConfig } from "./common";

runTarget(async () => {
  const config = targetConfig();
  const { supergraphSdl } = await subgraphs(config);
  const secret = config.internalSecret!;
  const gateway = createGatewayRuntime({
    supergraph: supergraphSdl,
    logging: "error",
    graphqlEndpoint: "/graphql",
    // The subgraphs serve only requests signed by a gateway, anonymous ones included: this one signs them as offergate's does.
    propagateHeaders: { fromClientToSubgraphs: async () => ({ [PRINCIPAL_HEADER]: await signPrincipal(null, secret) }) },
  });
  return listen(gateway);
});
