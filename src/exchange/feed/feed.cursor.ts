import { BadUserInputError } from "../../shared/errors";

/**
 * Feed cursors are opaque to clients; inside they carry the marketplace and
 * the event's sequence number, so that a cursor of one marketplace's feed
 * passed to another's is refused instead of silently skipping events.
 */
export const encodeFeedCursor = (marketplaceId: string, seq: number): string =>
  Buffer.from(`${marketplaceId}:${seq}`).toString("base64url");

/** The seq after which to read `marketplaceId`'s feed; `""` or null/undefined: before the first event. */
export function decodeFeedCursor(cursor: string | null | undefined, marketplaceId: string): number {
  if (!cursor) return 0;
  const match = /^([A-Za-z0-9_]{1,64}):(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match || encodeFeedCursor(match[1]!, Number(match[2])) !== cursor) {
    throw new BadUserInputError(`Invalid feed cursor "${cursor}"`, { argument: "after" });
  }
  if (match[1] !== marketplaceId) {
    throw new BadUserInputError(`The cursor "${cursor}" is not one of this marketplace's feed`, { argument: "after" });
  }
  return Number(match[2]);
}
