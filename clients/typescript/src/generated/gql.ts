/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment FeedEvent on OfferEvent {\n  cursor\n  type\n  marketplaceId\n  offerId\n  available\n  quantity\n  price\n  unavailableReason\n  occurredAt\n}\n\nsubscription OfferFeed($marketplaceId: ID!, $after: String) {\n  offerFeed(marketplaceId: $marketplaceId, after: $after) {\n    ...FeedEvent\n  }\n}\n\nquery OfferEventsPage($marketplaceId: ID!, $after: String, $first: Int = 1000) {\n  offerEvents(marketplaceId: $marketplaceId, after: $after, first: $first) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        ...FeedEvent\n      }\n    }\n  }\n}": typeof types.FeedEventFragmentDoc,
    "fragment OfferNode on Offer {\n  id\n  depth\n  path\n  status\n  available\n  quantity\n  unavailableReason\n  price\n  currency\n  version\n  seller {\n    id\n    name\n  }\n  marketplace {\n    id\n    name\n    requireStockToForward\n  }\n  via {\n    id\n    name\n  }\n  source {\n    id\n  }\n}\n\nquery ProductByGtin($gtin: String!) {\n  product(gtin: $gtin) {\n    id\n    gtin\n    name\n  }\n}\n\nquery OfferGraph($productId: ID!, $first: Int = 100, $after: String) {\n  product(id: $productId) {\n    id\n    gtin\n    name\n    offers(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...OfferNode\n          forwards {\n            id\n            marketplace {\n              id\n              name\n            }\n            available\n            quantity\n          }\n        }\n      }\n    }\n  }\n}\n\nquery Offer($id: ID!) {\n  offer(id: $id) {\n    ...OfferNode\n  }\n}\n\nquery Viewer {\n  viewer {\n    kind\n    id\n  }\n}": typeof types.OfferNodeFragmentDoc,
    "mutation SubmitOffer($input: SubmitOfferInput!) {\n  submitOffer(input: $input) {\n    id\n    status\n    available\n    quantity\n    unavailableReason\n    price\n    currency\n    version\n  }\n}\n\nmutation SetStock($input: SetStockInput!) {\n  setStock(input: $input) {\n    ownerId\n    quantity\n    version\n    updatedAt\n  }\n}\n\nmutation AdjustStock($input: AdjustStockInput!) {\n  adjustStock(input: $input) {\n    ownerId\n    quantity\n    version\n    updatedAt\n  }\n}\n\nquery StockLevel($ownerId: ID!, $productId: ID!) {\n  stockLevel(ownerId: $ownerId, productId: $productId) {\n    ownerId\n    quantity\n    version\n  }\n}": typeof types.SubmitOfferDocument,
};
const documents: Documents = {
    "fragment FeedEvent on OfferEvent {\n  cursor\n  type\n  marketplaceId\n  offerId\n  available\n  quantity\n  price\n  unavailableReason\n  occurredAt\n}\n\nsubscription OfferFeed($marketplaceId: ID!, $after: String) {\n  offerFeed(marketplaceId: $marketplaceId, after: $after) {\n    ...FeedEvent\n  }\n}\n\nquery OfferEventsPage($marketplaceId: ID!, $after: String, $first: Int = 1000) {\n  offerEvents(marketplaceId: $marketplaceId, after: $after, first: $first) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        ...FeedEvent\n      }\n    }\n  }\n}": types.FeedEventFragmentDoc,
    "fragment OfferNode on Offer {\n  id\n  depth\n  path\n  status\n  available\n  quantity\n  unavailableReason\n  price\n  currency\n  version\n  seller {\n    id\n    name\n  }\n  marketplace {\n    id\n    name\n    requireStockToForward\n  }\n  via {\n    id\n    name\n  }\n  source {\n    id\n  }\n}\n\nquery ProductByGtin($gtin: String!) {\n  product(gtin: $gtin) {\n    id\n    gtin\n    name\n  }\n}\n\nquery OfferGraph($productId: ID!, $first: Int = 100, $after: String) {\n  product(id: $productId) {\n    id\n    gtin\n    name\n    offers(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...OfferNode\n          forwards {\n            id\n            marketplace {\n              id\n              name\n            }\n            available\n            quantity\n          }\n        }\n      }\n    }\n  }\n}\n\nquery Offer($id: ID!) {\n  offer(id: $id) {\n    ...OfferNode\n  }\n}\n\nquery Viewer {\n  viewer {\n    kind\n    id\n  }\n}": types.OfferNodeFragmentDoc,
    "mutation SubmitOffer($input: SubmitOfferInput!) {\n  submitOffer(input: $input) {\n    id\n    status\n    available\n    quantity\n    unavailableReason\n    price\n    currency\n    version\n  }\n}\n\nmutation SetStock($input: SetStockInput!) {\n  setStock(input: $input) {\n    ownerId\n    quantity\n    version\n    updatedAt\n  }\n}\n\nmutation AdjustStock($input: AdjustStockInput!) {\n  adjustStock(input: $input) {\n    ownerId\n    quantity\n    version\n    updatedAt\n  }\n}\n\nquery StockLevel($ownerId: ID!, $productId: ID!) {\n  stockLevel(ownerId: $ownerId, productId: $productId) {\n    ownerId\n    quantity\n    version\n  }\n}": types.SubmitOfferDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment FeedEvent on OfferEvent {\n  cursor\n  type\n  marketplaceId\n  offerId\n  available\n  quantity\n  price\n  unavailableReason\n  occurredAt\n}\n\nsubscription OfferFeed($marketplaceId: ID!, $after: String) {\n  offerFeed(marketplaceId: $marketplaceId, after: $after) {\n    ...FeedEvent\n  }\n}\n\nquery OfferEventsPage($marketplaceId: ID!, $after: String, $first: Int = 1000) {\n  offerEvents(marketplaceId: $marketplaceId, after: $after, first: $first) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        ...FeedEvent\n      }\n    }\n  }\n}"): (typeof documents)["fragment FeedEvent on OfferEvent {\n  cursor\n  type\n  marketplaceId\n  offerId\n  available\n  quantity\n  price\n  unavailableReason\n  occurredAt\n}\n\nsubscription OfferFeed($marketplaceId: ID!, $after: String) {\n  offerFeed(marketplaceId: $marketplaceId, after: $after) {\n    ...FeedEvent\n  }\n}\n\nquery OfferEventsPage($marketplaceId: ID!, $after: String, $first: Int = 1000) {\n  offerEvents(marketplaceId: $marketplaceId, after: $after, first: $first) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        ...FeedEvent\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment OfferNode on Offer {\n  id\n  depth\n  path\n  status\n  available\n  quantity\n  unavailableReason\n  price\n  currency\n  version\n  seller {\n    id\n    name\n  }\n  marketplace {\n    id\n    name\n    requireStockToForward\n  }\n  via {\n    id\n    name\n  }\n  source {\n    id\n  }\n}\n\nquery ProductByGtin($gtin: String!) {\n  product(gtin: $gtin) {\n    id\n    gtin\n    name\n  }\n}\n\nquery OfferGraph($productId: ID!, $first: Int = 100, $after: String) {\n  product(id: $productId) {\n    id\n    gtin\n    name\n    offers(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...OfferNode\n          forwards {\n            id\n            marketplace {\n              id\n              name\n            }\n            available\n            quantity\n          }\n        }\n      }\n    }\n  }\n}\n\nquery Offer($id: ID!) {\n  offer(id: $id) {\n    ...OfferNode\n  }\n}\n\nquery Viewer {\n  viewer {\n    kind\n    id\n  }\n}"): (typeof documents)["fragment OfferNode on Offer {\n  id\n  depth\n  path\n  status\n  available\n  quantity\n  unavailableReason\n  price\n  currency\n  version\n  seller {\n    id\n    name\n  }\n  marketplace {\n    id\n    name\n    requireStockToForward\n  }\n  via {\n    id\n    name\n  }\n  source {\n    id\n  }\n}\n\nquery ProductByGtin($gtin: String!) {\n  product(gtin: $gtin) {\n    id\n    gtin\n    name\n  }\n}\n\nquery OfferGraph($productId: ID!, $first: Int = 100, $after: String) {\n  product(id: $productId) {\n    id\n    gtin\n    name\n    offers(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...OfferNode\n          forwards {\n            id\n            marketplace {\n              id\n              name\n            }\n            available\n            quantity\n          }\n        }\n      }\n    }\n  }\n}\n\nquery Offer($id: ID!) {\n  offer(id: $id) {\n    ...OfferNode\n  }\n}\n\nquery Viewer {\n  viewer {\n    kind\n    id\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SubmitOffer($input: SubmitOfferInput!) {\n  submitOffer(input: $input) {\n    id\n    status\n    available\n    quantity\n    unavailableReason\n    price\n    currency\n    version\n  }\n}\n\nmutation SetStock($input: SetStockInput!) {\n  setStock(input: $input) {\n    ownerId\n    quantity\n    version\n    updatedAt\n  }\n}\n\nmutation AdjustStock($input: AdjustStockInput!) {\n  adjustStock(input: $input) {\n    ownerId\n    quantity\n    version\n    updatedAt\n  }\n}\n\nquery StockLevel($ownerId: ID!, $productId: ID!) {\n  stockLevel(ownerId: $ownerId, productId: $productId) {\n    ownerId\n    quantity\n    version\n  }\n}"): (typeof documents)["mutation SubmitOffer($input: SubmitOfferInput!) {\n  submitOffer(input: $input) {\n    id\n    status\n    available\n    quantity\n    unavailableReason\n    price\n    currency\n    version\n  }\n}\n\nmutation SetStock($input: SetStockInput!) {\n  setStock(input: $input) {\n    ownerId\n    quantity\n    version\n    updatedAt\n  }\n}\n\nmutation AdjustStock($input: AdjustStockInput!) {\n  adjustStock(input: $input) {\n    ownerId\n    quantity\n    version\n    updatedAt\n  }\n}\n\nquery StockLevel($ownerId: ID!, $productId: ID!) {\n  stockLevel(ownerId: $ownerId, productId: $productId) {\n    ownerId\n    quantity\n    version\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;