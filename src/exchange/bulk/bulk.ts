import { requirePrincipal } from "../../shared/auth";
import { BadUserInputError, DomainError, type ErrorCode } from "../../shared/errors";
import type { Principal } from "../../shared/principal";

/** Items one bulk mutation takes (SEMANTICS.md, "Bulk work"). */
export const MAX_BULK_ITEMS = 1000;

export interface BulkError {
  code: ErrorCode;
  message: string;
}

/** One item's outcome: its value as the single mutation returns it, or its error. */
export type BulkOutcome<T> = { index: number; value: T; error?: undefined } | { index: number; value?: undefined; error: BulkError };

/** The whole request's checks: a caller, and 1 to MAX_BULK_ITEMS items. */
export function checkBulkRequest(principal: Principal | null, count: number): Principal {
  const p = requirePrincipal(principal);
  if (count < 1 || count > MAX_BULK_ITEMS) {
    throw new BadUserInputError(`"input" must hold 1 to ${MAX_BULK_ITEMS} items (it holds ${count})`, { argument: "input" });
  }
  return p;
}

/** A rule an item broke, as its result reports it; anything else fails the whole request. */
export function itemError(error: unknown): BulkError {
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  throw error;
}

/**
 * Splits items into rounds of consecutive items, in input order, a new round
 * starting where an item's key is already in the current one: items that act
 * on the same thing run one after the other, as their single calls would,
 * and every item's effects still come in input order.
 */
export function rounds<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const out: T[][] = [];
  let keys = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    if (keys.has(key) || out.length === 0) {
      out.push([]);
      keys = new Set();
    }
    keys.add(key);
    out.at(-1)!.push(item);
  }
  return out;
}

/** Runs `check` on every item at once (the directory batches their look-ups); returns the items that passed. */
export async function checkEach<T extends { index: number }, R>(
  items: readonly T[],
  failed: Map<number, BulkError>,
  check: (item: T) => Promise<R> | R,
): Promise<(T & { checked: R })[]> {
  const passed: (T & { checked: R })[] = [];
  await Promise.all(
    items.map(async (item) => {
      try {
        passed.push({ ...item, checked: await check(item) });
      } catch (error) {
        failed.set(item.index, itemError(error));
      }
    }),
  );
  return passed.sort((a, b) => a.index - b.index);
}

/**
 * Orders offers by the item each descends from (`rootItem` of an offer an
 * item settles directly; the others follow `sourceId` up to one), stably, so
 * that one call's events reach each feed in the order its single calls would
 * have put them there.
 */
export function byItem<T extends { _id: string; sourceId: string | null }>(
  rootItem: (record: T) => number | undefined,
): (records: T[]) => T[] {
  return (records) => {
    const byId = new Map(records.map((r) => [r._id, r]));
    const memo = new Map<string, number>();
    const itemOf = (r: T, depth = 0): number => {
      const known = memo.get(r._id) ?? rootItem(r);
      if (known !== undefined) return known;
      const source = r.sourceId ? byId.get(r.sourceId) : undefined;
      const found = source && depth < 64 ? itemOf(source, depth + 1) : Number.MAX_SAFE_INTEGER;
      memo.set(r._id, found);
      return found;
    };
    return records
      .map((r, position) => ({ r, position, item: itemOf(r) }))
      .sort((x, y) => x.item - y.item || x.position - y.position)
      .map((x) => x.r);
  };
}
