/**
 * "Live" in offergate: a feed read whose `after` is null or absent, which
 * starts from the end of the log as it is now and streams only what happens
 * next (`offerFeed(after: null)`, a webhook created without `after`). Its
 * events do not depend on when a reader joined, so the gateway may share one
 * such subscription between identical subscribers.
 */
export function isLive(after: unknown): after is null | undefined {
  return after === null || after === undefined;
}
