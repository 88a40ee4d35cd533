import { randomBytes } from "node:crypto";
import {
  AdjustStockDocument,
  AffiliateSellerDocument,
  CloseRouteDocument,
  ConfigureMarketplaceDocument,
  CreateMarketplaceDocument,
  CreateProductDocument,
  CreateSellerDocument,
  FeedSubscriptionDocument,
  ForwardOfferDocument,
  MarketplaceExchangeDocument,
  MarketplacesDocument,
  OfferDocument,
  OfferEventsDocument,
  OffersDocument,
  OpenRouteDocument,
  ProductsDocument,
  ReviewOfferDocument,
  RotateApiKeyDocument,
  SellerExchangeDocument,
  SellersDocument,
  SetStockDocument,
  StockLevelDocument,
  SubmitOfferDocument,
  ViewerDocument,
  WithdrawOfferDocument,
} from "../generated/graphql";
import { createMarketplace, createSeller, marketplaceInput, productInput, sellerInput } from "../fixtures";
import { subscribe } from "../helpers/feed-client";
import { errorCodes, type GraphQLClient, type GraphQLResponse } from "../helpers/graphql-client";
import { buildWorld } from "../helpers/exchange";
import { startTestOffergate, type TestOffergate } from "../helpers/offergate";

/**
 * Who may do what (SEMANTICS.md, "Accounts and keys", and the rights written
 * beside each field in api.graphql): every mutation, every private query and
 * the feed subscription, called by every kind of caller. Each row runs on a
 * world of its own; a refused call must come back with exactly the expected
 * code and no data, and the state it would have changed must read the same
 * after it as before.
 */
let og: TestOffergate;
beforeAll(async () => {
  og = await startTestOffergate();
});
afterAll(() => og?.close());

type Role = "anonymous" | "unknown key" | "admin" | "the seller" | "another seller" | "marketplace A" | "marketplace B" | "another marketplace";
const ROLES: Role[] = ["anonymous", "unknown key", "admin", "the seller", "another seller", "marketplace A", "marketplace B", "another marketplace"];

/**
 * A world for one row: seller S affiliated with marketplace A, with 5 of
 * product P; A holds 3 of P; B and M2 are other marketplaces, S2 another seller.
 */
async function world() {
  const w = await buildWorld(og.admin, 3);
  const other = await createSeller(og.admin);
  await w.affiliate(w.ids[0]!);
  await w.setStock(w.sellerId, 5);
  await w.setStock(w.ids[0]!, 3);
  const clients: Record<Role, GraphQLClient> = {
    anonymous: og.anonymous,
    "unknown key": og.as(`og_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}`),
    admin: og.admin,
    "the seller": w.seller.client,
    "another seller": other.client,
    "marketplace A": w.markets[0]!.client,
    "marketplace B": w.markets[1]!.client,
    "another marketplace": w.markets[2]!.client,
  };
  const keys: Record<Role, string | undefined> = Object.fromEntries(ROLES.map((r) => [r, clients[r].apiKey])) as never;
  return { ...w, S: w.sellerId, A: w.ids[0]!, B: w.ids[1]!, P: w.productId, clients, keys };
}
type World = Awaited<ReturnType<typeof world>>;

interface Case {
  /** The operation, as named in the contract. */
  name: string;
  /** Who may, besides the admin. */
  allowed: Role[];
  /** What the row needs beyond the world (an offer, a route...). */
  prepare?(w: World): Promise<Record<string, string>>;
  run(client: GraphQLClient, w: World, extra: Record<string, string>): Promise<GraphQLResponse<any>>;
  /** What the operation would change, read by the admin. */
  state(w: World, extra: Record<string, string>): Promise<unknown>;
}

const total = async (doc: typeof SellersDocument | typeof MarketplacesDocument | typeof ProductsDocument) => {
  const data = (await og.admin.data(doc as typeof SellersDocument, { first: 0 })) as Record<string, { totalCount: number }>;
  return Object.values(data)[0]!.totalCount;
};
const stock = async (ownerId: string, productId: string) =>
  (await og.admin.data(StockLevelDocument, { ownerId, productId })).stockLevel;
const offersOf = async (sellerId: string) =>
  (await og.admin.data(OffersDocument, { filter: { sellerId }, first: 100 })).offers.edges.map((e) => e.node);
const market = async (id: string) => (await og.admin.data(MarketplaceExchangeDocument, { id })).marketplace;

const activeOffer = async (w: World) => ({ offerId: (await w.submit(w.A)).id });

const CASES: Case[] = [
  {
    name: "createSeller",
    allowed: [],
    run: (c) => c.execute(CreateSellerDocument, { input: sellerInput() }),
    state: () => total(SellersDocument),
  },
  {
    name: "createMarketplace",
    allowed: [],
    run: (c) => c.execute(CreateMarketplaceDocument, { input: marketplaceInput() }),
    state: () => total(MarketplacesDocument),
  },
  {
    name: "createProduct",
    allowed: [],
    run: (c) => c.execute(CreateProductDocument, { input: productInput() }),
    state: () => total(ProductsDocument),
  },
  {
    name: "configureMarketplace",
    allowed: ["marketplace A"],
    run: (c, w) => c.execute(ConfigureMarketplaceDocument, { input: { marketplaceId: w.A, autoApprove: false, requireStockToForward: false } }),
    state: (w) => market(w.A),
  },
  {
    name: "affiliateSeller",
    allowed: ["marketplace B"],
    run: (c, w) => c.execute(AffiliateSellerDocument, { sellerId: w.S, marketplaceId: w.B }),
    state: async (w) => (await og.admin.data(SellerExchangeDocument, { id: w.S })).seller?.affiliations,
  },
  {
    name: "openRoute",
    allowed: ["marketplace B"],
    run: (c, w) => c.execute(OpenRouteDocument, { input: { fromMarketplaceId: w.A, toMarketplaceId: w.B, autoForward: true } }),
    state: (w) => market(w.A),
  },
  {
    name: "closeRoute",
    allowed: ["marketplace B"],
    prepare: async (w) => {
      await w.openRoute(w.A, w.B);
      return {};
    },
    run: (c, w) => c.execute(CloseRouteDocument, { from: w.A, to: w.B }),
    state: (w) => market(w.A),
  },
  {
    name: "setStock (a seller's)",
    allowed: ["the seller"],
    run: (c, w) => c.execute(SetStockDocument, { input: { ownerId: w.S, productId: w.P, quantity: 9 } }),
    state: (w) => stock(w.S, w.P),
  },
  {
    name: "setStock (a marketplace's)",
    allowed: ["marketplace A"],
    run: (c, w) => c.execute(SetStockDocument, { input: { ownerId: w.A, productId: w.P, quantity: 9 } }),
    state: (w) => stock(w.A, w.P),
  },
  {
    name: "adjustStock",
    allowed: ["the seller"],
    run: (c, w) => c.execute(AdjustStockDocument, { input: { ownerId: w.S, productId: w.P, delta: -2 } }),
    state: (w) => stock(w.S, w.P),
  },
  {
    name: "submitOffer",
    allowed: ["the seller"],
    run: (c, w) => c.execute(SubmitOfferDocument, { input: { sellerId: w.S, marketplaceId: w.A, productId: w.P, price: 1234, currency: "BRL" } }),
    state: (w) => offersOf(w.S),
  },
  {
    name: "withdrawOffer",
    allowed: ["the seller", "marketplace A"],
    prepare: activeOffer,
    run: (c, _w, x) => c.execute(WithdrawOfferDocument, { offerId: x.offerId! }),
    state: async (_w, x) => (await og.admin.data(OfferDocument, { id: x.offerId! })).offer,
  },
  {
    name: "reviewOffer",
    allowed: ["marketplace A"],
    prepare: async (w) => {
      await og.admin.data(ConfigureMarketplaceDocument, { input: { marketplaceId: w.A, autoApprove: false } });
      return { offerId: (await w.submit(w.A)).id };
    },
    run: (c, _w, x) => c.execute(ReviewOfferDocument, { offerId: x.offerId!, decision: "APPROVE" }),
    state: async (_w, x) => (await og.admin.data(OfferDocument, { id: x.offerId! })).offer,
  },
  {
    name: "forwardOffer",
    allowed: ["marketplace A"],
    prepare: async (w) => {
      await w.openRoute(w.A, w.B);
      return activeOffer(w);
    },
    run: (c, w, x) => c.execute(ForwardOfferDocument, { offerId: x.offerId!, to: w.B }),
    state: (w) => offersOf(w.S),
  },
  {
    name: "rotateApiKey (a seller's)",
    allowed: ["the seller"],
    run: (c, w) => c.execute(RotateApiKeyDocument, { accountId: w.S }),
    // The seller's key still answers as the seller exactly when no rotation happened.
    state: async (w) => errorCodes(await w.clients["the seller"].execute(ViewerDocument)),
  },
  {
    name: "rotateApiKey (a marketplace's)",
    allowed: ["marketplace A"],
    run: (c, w) => c.execute(RotateApiKeyDocument, { accountId: w.A }),
    state: async (w) => errorCodes(await w.clients["marketplace A"].execute(ViewerDocument)),
  },
  {
    name: "stockLevel (a seller's)",
    allowed: ["the seller"],
    run: (c, w) => c.execute(StockLevelDocument, { ownerId: w.S, productId: w.P }),
    state: (w) => stock(w.S, w.P),
  },
  {
    name: "stockLevel (a marketplace's)",
    allowed: ["marketplace A"],
    run: (c, w) => c.execute(StockLevelDocument, { ownerId: w.A, productId: w.P }),
    state: (w) => stock(w.A, w.P),
  },
  {
    name: "offerEvents",
    allowed: ["marketplace A"],
    prepare: activeOffer,
    run: (c, w) => c.execute(OfferEventsDocument, { marketplaceId: w.A, first: 10 }),
    state: async (w) => (await og.admin.data(OfferEventsDocument, { marketplaceId: w.A, first: 1000 })).offerEvents.edges.length,
  },
];

const expected = (c: Case, role: Role): string | "OK" => {
  if (role === "anonymous" || role === "unknown key") return "UNAUTHENTICATED";
  if (role === "admin" || c.allowed.includes(role)) return "OK";
  return "FORBIDDEN";
};

const rows = CASES.flatMap((c) => ROLES.map((role) => [c.name, role, expected(c, role), c] as const));

describe("authorization matrix", () => {
  it.each(rows)("%s as %s: %s", async (_name, role, outcome, c) => {
    const w = await world();
    const extra = (await c.prepare?.(w)) ?? {};
    const before = await c.state(w, extra);
    const response = await c.run(w.clients[role], w, extra);
    if (outcome === "OK") {
      expect(response.errors).toBeUndefined();
      expect(response.data).toBeTruthy();
      return;
    }
    expect(errorCodes(response)).toEqual([outcome]);
    // Nothing leaks: no data, or (for a nullable field such as stockLevel) the field is null.
    expect(Object.values(response.data ?? {}).every((v) => v === null)).toBe(true);
    expect(await c.state(w, extra)).toEqual(before);
  });
});

describe("authorization matrix: the offerFeed subscription over graphql-ws through the gateway", () => {
  it.each(ROLES.map((role) => [role, expected({ allowed: ["marketplace A"] } as Case, role)] as const))(
    "offerFeed as %s: %s",
    async (role, outcome) => {
      const w = await world();
      await w.submit(w.A); // one event in A's feed, replayed with after: ""
      const sub = subscribe(og.url, w.keys[role], FeedSubscriptionDocument, { marketplaceId: w.A, after: "" });
      try {
        if (outcome === "OK") {
          const events = await sub.waitForEvents(1);
          expect(sub.errors).toEqual([]);
          expect(events[0]).toMatchObject({ marketplaceId: w.A, type: "ELIGIBLE" });
        } else {
          await sub.waitForEnd();
          expect(sub.events).toEqual([]);
          // A key that is no key is refused at connection_init: the socket is closed with 4401 (graphql-ws's Unauthorized).
          if (role === "unknown key") expect(sub.errors.map((e) => e.message)).toEqual(["socket error: 4401"]);
          else expect(sub.errors.map((e) => e.extensions?.code)).toEqual([outcome]);
        }
      } finally {
        await sub.close();
      }
    },
  );
});
