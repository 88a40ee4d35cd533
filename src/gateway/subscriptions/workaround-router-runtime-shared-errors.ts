import type { ExecutionResult } from "@graphql-tools/utils";
import { cursorOf } from "./interruptions";

/**
 * Works around @graphql-hive/router-runtime (the Rust planner's runtime,
 * 1.4.23): it keeps one execution context for all the events of a
 * subscription, so the `errors` array of its results only grows: one failed
 * entity fetch would ride along with every later event, and an event whose
 * root fetch failed would come with the previous event's data again (a
 * duplicate cursor).
 *
 * Returns a filter to run on each result of one subscription, in order: the
 * result with only the errors it added, or null when it is the previous
 * event again with nothing of its own (`resumeAfter`: the cursor last sent).
 * Test: test/e2e/feed.test.ts, "stays with that event: later events carry no
 * stale error, and no event is sent twice".
 */
export function eachResultItsOwn(): (result: ExecutionResult, resumeAfter: string | null) => ExecutionResult | null {
  let errorsSeen: { list: readonly unknown[]; length: number } | null = null;
  return (result, resumeAfter) => {
    let errors = result.errors;
    if (errors && errorsSeen?.list === errors) errors = errors.slice(errorsSeen.length);
    if (result.errors) errorsSeen = { list: result.errors, length: result.errors.length };
    const cursor = cursorOf(result);
    const stale = cursor !== undefined && cursor === resumeAfter;
    if (stale && !errors?.length) return null;
    if (!stale && errors === result.errors) return result;
    return { ...result, data: stale ? null : result.data, errors: errors?.length ? errors : undefined };
  };
}
