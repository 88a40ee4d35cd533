const OFFER_GRAPH_FIELDS = `id price currency available quantity unavailableReason depth path
    product { id gtin name }
    seller { id name }
    marketplace { id name }
    via { id name }
    source { id price available marketplace { id name } }
    forwards { id price available marketplace { id name } forwards { id available marketplace { id name } } }`;

/** A page of offers, each with the same graph as GRAPH_QUERY's. */
export const LIST_QUERY = `query OfferList($first: Int!, $after: String) {
  offers(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ${OFFER_GRAPH_FIELDS} } }
  }
}`;

/** The offer-graph query: an offer with its product, seller, marketplace, source and forwards (two levels). */
export const GRAPH_QUERY = `query OfferGraph($id: ID!) {
  offer(id: $id) {
    id price currency available quantity unavailableReason depth path
    product { id gtin name }
    seller { id name }
    marketplace { id name }
    via { id name }
    source { id price available marketplace { id name } }
    forwards { id price available marketplace { id name } forwards { id available marketplace { id name } } }
  }
}`;
