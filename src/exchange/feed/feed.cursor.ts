import { BadUserInputError } from "../../shared/errors";

/** Feed cursors are opaque to clients; inside they carry the event's sequence number. */
export const encodeFeedCursor = (seq: number): string => Buffer.from(`feed:${seq}`).toString("base64url");

/** `""` or null/undefined: before the first event. */
export function decodeFeedCursor(cursor: string | null | undefined): number {
  if (!cursor) return 0;
  const match = /^feed:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match || encodeFeedCursor(Number(match[1])) !== cursor) {
    throw new BadUserInputError(`Invalid feed cursor "${cursor}"`, { argument: "after" });
  }
  return Number(match[1]);
}
