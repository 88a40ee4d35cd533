/**
 * Works around @graphql-hive/gateway-runtime (2.12.1): the runtime loads the
 * supergraph on its first HTTP request, and its graphql-ws handlers do not
 * load it; a WebSocket operation that came first would meet no schema
 * ("Expected null to be a GraphQL schema").
 *
 * So the server asks for the schema before it opens its port.
 * Test: test/e2e/feed.test.ts, "serves a subscription that is its very first operation".
 */
export async function loadSchemaBeforeWebSockets(gateway: { getSchema(): unknown }): Promise<void> {
  await gateway.getSchema();
}
