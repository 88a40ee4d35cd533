import type { FeedEventRecord } from "./feed.model";
import type { FeedService } from "./feed.service";

const BATCH = 500;
/** A safety net for a lost doorbell (Redis restarting, say): read the log at least this often. */
const POLL_MS = 2_000;

/**
 * One subscriber's stream: the events after `afterSeq` from the log, then
 * each time the bus rings for this marketplace, what was appended since. The
 * log is the only source, so replay and live share one path and the seam has
 * no gap and no duplicate.
 */
export async function* feedStream(
  feed: FeedService,
  marketplaceId: string,
  afterSeq: number,
): AsyncGenerator<FeedEventRecord> {
  let cursor = afterSeq;
  let wake: (() => void) | null = null;
  let rung = true;
  const stop = feed.onRing((id) => {
    if (id !== marketplaceId) return;
    rung = true;
    wake?.();
  });
  try {
    for (;;) {
      if (!rung) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, POLL_MS).unref();
        });
        wake = null;
      }
      rung = false;
      for (;;) {
        const batch = await feed.readAfter(marketplaceId, cursor, BATCH);
        for (const event of batch) {
          cursor = event.seq;
          yield event;
        }
        if (batch.length < BATCH) break;
      }
    }
  } finally {
    stop();
  }
}
