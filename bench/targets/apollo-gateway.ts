/** The same subgraphs behind @apollo/gateway (defaults) served by @apollo/server. */
import "reflect-metadata";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { PRINCIPAL_HEADER, signPrincipal } from "../../src/shared/principal";
import { runTarget, subgraphs, targetConfig } from "./common";

runTarget(async () => {
  const config = targetConfig();
  const { supergraphSdl } = await subgraphs(config);
  const secret = config.internalSecret!;
  // The subgraphs serve only requests signed by a gateway, anonymous ones included: this one signs them as offergate's does.
  const buildService = ({ url }: { url?: string }) =>
    new RemoteGraphQLDataSource({
      url,
      willSendRequest: async ({ request }) => request.http!.headers.set(PRINCIPAL_HEADER, await signPrincipal(null, secret)),
    });
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl, buildService }), stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
  return new URL("/graphql", url).toString();
});
