/** The same subgraphs behind @apollo/gateway (defaults) served by @apollo/server. */
import "reflect-metadata";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { runTarget, subgraphs, targetConfig } from "./common";

runTarget(async () => {
  const { supergraphSdl } = await subgraphs(targetConfig());
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }), stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
  return new URL("/graphql", url).toString();
});
