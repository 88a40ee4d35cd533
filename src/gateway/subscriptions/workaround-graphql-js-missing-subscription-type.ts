import { validate, type DocumentNode, type GraphQLSchema } from "graphql";

/**
 * Works around graphql-js (16.15.0): `validate` finds nothing wrong with a
 * subscription against a schema that has no Subscription type (no rule of
 * its 16.x set checks that the operation's root type exists), so a subgraph
 * without subscriptions would be taken as answering one alone, and fail it.
 *
 * Whether `document` validates against `schema` as a subscription it can run.
 * Test: test/unit/direct-subscriptions.test.ts, "takes an operation the
 * in-process subgraph answers alone" (a subgraph without subscriptions comes first).
 */
export function validSubscriptionFor(schema: GraphQLSchema, document: DocumentNode): boolean {
  return schema.getSubscriptionType() != null && validate(schema, document).length === 0;
}
