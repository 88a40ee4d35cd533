import { Types } from "mongoose";

/**
 * Ids are `<kind prefix>_<ObjectId hex>`: unique across all kinds, ordered by
 * creation within a kind (the ObjectId leads with its timestamp), and a
 * marketplace's id can never be mistaken for a seller's.
 */
export const ID_PREFIX = {
  seller: "sel",
  marketplace: "mkt",
  product: "prd",
  offer: "off",
  apiKey: "key",
  webhook: "whk",
  offerImport: "imp",
} as const;

export type IdKind = keyof typeof ID_PREFIX;

export const newId = (kind: IdKind): string => `${ID_PREFIX[kind]}_${new Types.ObjectId().toHexString()}`;

/** True when `id` has the shape of an id of this kind (it may still match nothing). */
const shapes = Object.fromEntries(
  Object.entries(ID_PREFIX).map(([kind, prefix]) => [kind, new RegExp(`^${prefix}_[0-9a-f]{24}$`)]),
) as Record<IdKind, RegExp>;

export const isIdOf = (kind: IdKind, id: string): boolean => shapes[kind].test(id);
