import { ViewerDocument } from "../generated/graphql";
import { createSeller } from "../fixtures";
import { errorCodes } from "../helpers/graphql-client";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * The gateway checks a key it has not cached by asking the accounts subgraph
 * the way it reaches the subgraphs: in the embedded mode by a call in its
 * own process, otherwise over HTTP. Each case closes the accounts subgraph's
 * HTTP server and then presents a key the gateway has never seen.
 */
let mongo: TestMongo;
beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(async () => {
  await mongo?.stop();
});

async function withAccountsHttpClosed(og: TestOffergate) {
  const seller = await createSeller(og.admin);
  await og.app.subgraphs.accounts!.close();
  return og.as(seller.apiKey).execute(ViewerDocument).then((result) => ({ seller, result }));
}

describe("key look-ups", () => {
  it("embedded (in-process subgraphs): a new key is checked without the accounts subgraph's HTTP server", async () => {
    const og = await startTestOffergate({ MONGODB_URI: mongo.server.uri });
    try {
      const { seller, result } = await withAccountsHttpClosed(og);
      expect(result.errors).toBeUndefined();
      expect(result.data?.viewer).toEqual({ kind: "SELLER", id: seller.seller.id });
      // An unknown key is still refused, by the same path; a client's mistake is not logged as the server's error.
      const logged = jest.spyOn(console, "error");
      try {
        expect(errorCodes(await og.as("og_0000000000000000_unknown").execute(ViewerDocument))).toEqual(["UNAUTHENTICATED"]);
        expect(logged).not.toHaveBeenCalled();
      } finally {
        logged.mockRestore();
      }
    } finally {
      await og.close();
    }
  });

  it("subgraphs over HTTP: the same key cannot be checked with that server closed, and fails closed", async () => {
    const og = await startTestOffergate({ MONGODB_URI: mongo.server.uri }, { subgraphTransport: "http" });
    try {
      const { result } = await withAccountsHttpClosed(og);
      expect(errorCodes(result)).toEqual(["SERVICE_UNAVAILABLE"]);
      expect(result.data?.viewer ?? null).toBeNull();
    } finally {
      await og.close();
    }
  });
});
