import type { GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { isAsyncIterable } from "@graphql-tools/utils";

/**
 * Works around @graphql-hive/gateway-runtime (2.12.1): a subscription asked
 * for over HTTP in a form it cannot stream (Accept: multipart/mixed, or plain
 * application/json) is answered 406, but the subscription it already started
 * is never ended: its subgraph stream, its feed subscriber and its counted
 * place stay open for good.
 *
 * So a subscription with no result processor to send it is ended at once.
 * Test: test/e2e/live-limits.test.ts, "with Accept: %s is answered 406 and leaves nothing running".
 */
export function useEndUnsentSubscriptions(): GatewayPlugin {
  return {
    onResultProcess({ result, resultProcessor }) {
      if (!resultProcessor && isAsyncIterable(result)) void (result as AsyncIterableIterator<unknown>).return?.()?.catch(() => undefined);
    },
  };
}
