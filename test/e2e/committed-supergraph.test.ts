import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createAuthenticator, httpKeyLookup } from "../../src/gateway/authenticate";
import { createGateway } from "../../src/gateway/gateway";
import { startGatewayServer, type RunningGateway } from "../../src/gateway/http-server";
import { createMetrics } from "../../src/gateway/metrics";
import { loadConfig } from "../../src/shared/config";
import { SCHEMA_DIR } from "../../src/tools/write-schema";
import { CreateProductDocument, CreateSellerDocument, ProductByIdDocument, SellerDocument, ViewerDocument } from "../generated/graphql";
import { productInput, sellerInput } from "../fixtures";
import { GraphQLClient } from "../helpers/graphql-client";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * The separate-process deployment serves `schema/supergraph.graphql` as
 * committed (canonically sorted, with the default subgraph URLs). A second
 * gateway over that file, pointed at the running subgraphs, must serve the API.
 */
const secret = randomBytes(32).toString("base64url");
let og: TestOffergate;
let gateway: RunningGateway;
let client: GraphQLClient;

beforeAll(async () => {
  og = await startTestOffergate({ INTERNAL_SECRET: secret });
  const { subgraphPorts } = loadConfig({});
  let supergraphSdl = readFileSync(join(SCHEMA_DIR, "supergraph.graphql"), "utf8");
  for (const [name, subgraph] of Object.entries(og.app.subgraphs)) {
    const committedUrl = `http://${name}:${subgraphPorts[name as keyof typeof subgraphPorts]}/graphql`;
    expect(supergraphSdl).toContain(committedUrl);
    supergraphSdl = supergraphSdl.replaceAll(committedUrl, subgraph.url);
  }
  gateway = await startGatewayServer(
    {
      gateway: createGateway({
        supergraphSdl,
        authenticate: createAuthenticator(httpKeyLookup(() => og.app.subgraphs.accounts!.url, secret)),
        internalSecret: secret,
        introspection: true,
      }),
      metrics: createMetrics(),
      ready: async () => true,
      maxBodyBytes: 1_048_576,
    },
    0,
    "127.0.0.1",
  );
  client = new GraphQLClient(gateway.url, og.adminApiKey);
});
afterAll(async () => {
  await gateway?.close();
  await og?.close();
});

describe("the committed supergraph", () => {
  it("serves queries and mutations of every subgraph, with authentication", async () => {
    expect(await client.data(ViewerDocument)).toEqual({ viewer: { kind: "ADMIN", id: null } });
    const { createProduct } = await client.data(CreateProductDocument, { input: productInput() });
    expect(await client.as(undefined).data(ProductByIdDocument, { id: createProduct.id })).toEqual({ product: createProduct });
    const { createSeller } = await client.data(CreateSellerDocument, { input: sellerInput() });
    expect(await client.as(createSeller.apiKey).data(ViewerDocument)).toEqual({ viewer: { kind: "SELLER", id: createSeller.seller.id } });
    expect(await og.anonymous.data(SellerDocument, { id: createSeller.seller.id })).toEqual({ seller: createSeller.seller });
  });
});
