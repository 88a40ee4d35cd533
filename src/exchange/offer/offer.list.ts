import type { ExchangeContext } from "../context";
import type { OfferFilter } from "./offer.repository";
import { toOfferView } from "./offer.view";

/** An offers connection under a filter, shared by `offers` and the `offers` fields of sellers, marketplaces and products. */
export async function listOffers(ctx: ExchangeContext, filter: OfferFilter, page: { first?: number | null; after?: string | null }) {
  const connection = await ctx.services.offers.list(filter, page);
  return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toOfferView(e.node) })) };
}
