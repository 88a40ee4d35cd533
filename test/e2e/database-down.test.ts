import { CreateProductDocument, SellersDocument, ViewerDocument } from "../generated/graphql";
import { createSeller, productInput } from "../fixtures";
import { errorCodes } from "../helpers/graphql-client";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { httpGet, startTestOffergate, type TestOffergate } from "../helpers/offergate";

/** With MONGODB_URI set, the service uses that database; when it goes away, requests fail closed. */
let mongo: TestMongo;
let og: TestOffergate;

beforeAll(async () => {
  mongo = await startTestMongo();
  og = await startTestOffergate({ MONGODB_URI: mongo.server.uri });
});
afterAll(async () => {
  await og?.close();
  await mongo?.stop();
});

describe("when the database goes away", () => {
  it("is ready before, then /ready is 503, /health stays 200, and requests are SERVICE_UNAVAILABLE", async () => {
    expect((await httpGet(`${og.origin}/ready`)).status).toBe(200);
    expect(og.app.mongoUri).toBe(mongo.server.uri);
    await og.anonymous.data(SellersDocument);
    // Not used yet, so the gateway has not cached it: authenticating it needs the database.
    const seller = await createSeller(og.admin);

    await mongo.server.stop();

    expect((await httpGet(`${og.origin}/ready`)).status).toBe(503);
    expect((await httpGet(`${og.origin}/health`)).status).toBe(200);
    const read = await og.anonymous.execute(SellersDocument);
    expect(errorCodes(read)).toEqual(["SERVICE_UNAVAILABLE"]);
    const write = await og.admin.execute(CreateProductDocument, { input: productInput() });
    expect(errorCodes(write)).toEqual(["SERVICE_UNAVAILABLE"]);
    // A key that cannot be checked is neither anonymous nor UNAUTHENTICATED.
    expect(errorCodes(await seller.client.execute(ViewerDocument))).toEqual(["SERVICE_UNAVAILABLE"]);
  });
});
