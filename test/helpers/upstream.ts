import type { ExecutionResult } from "@graphql-tools/utils";
import type { UpstreamSink } from "../../src/gateway/subscriptions";

/** A gateway-side end of an upstream subscription that records what reaches it: results, and how it ended. */
export function recordingSink() {
  const got: ExecutionResult[] = [];
  const ends: string[] = [];
  const sink: UpstreamSink = {
    next: (r) => void got.push(r),
    fail: (errors) => void ends.push(`failed: ${errors.map((e) => `${e.message} (${String(e.extensions?.code)})`).join()}`),
    lost: () => void ends.push("lost"),
    complete: () => void ends.push("complete"),
  };
  return { sink, got, ends, ended: () => ends.at(-1) };
}
