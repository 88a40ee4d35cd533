import { ArgsType, Field, Int, ObjectType, type ClassType } from "type-graphql";
import { Directive } from "type-graphql";
import { BadUserInputError } from "./errors";

@Directive("@shareable")
@ObjectType({ description: "Where a page of a connection ends" })
export class PageInfo {
  @Field({ description: "Whether more items follow this page" })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "The cursor of the last edge, to pass as `after` for the next page; null when the page is empty" })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: "How many items to return, from 0 to 100" })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Return the items after this cursor (an edge's `cursor` or `pageInfo.endCursor`); null: from the start" })
  after?: string | null;
}

export interface Page<K = string> {
  first: number;
  /** The key to continue after, decoded from the cursor; undefined from the start. */
  afterKey?: K;
}

/** A page of a list that does not count its items (the feed). */
export interface Edges<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

export interface Connection<T> extends Edges<T> {
  totalCount: number;
}

export const encodeCursor = (key: string): string => Buffer.from(key, "utf8").toString("base64url");

export function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (key.length === 0 || encodeCursor(key) !== cursor) throw new BadUserInputError(`Invalid cursor "${cursor}"`);
  return key;
}

/** Validates `first` (0..max) and decodes `after`; `after: ""` means from the start. */
export function parsePage(args: PageArgs, max = 100, fallback = 20): Page {
  return parsePageWith(args, max, fallback, decodeCursor);
}

/** `parsePage` for a list whose cursors carry more than a key (the feed's). */
export function parsePageWith<K>(args: PageArgs, max: number, fallback: number, decode: (cursor: string) => K): Page<K> {
  const first = args.first ?? fallback;
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw new BadUserInputError(`"first" must be between 0 and ${max}`, { argument: "first" });
  }
  return { first, afterKey: args.after ? decode(args.after) : undefined };
}

/**
 * Turns `first + 1` rows, read in key order after the cursor, into edges and
 * page info: the extra row only tells that there is a next page.
 */
export function toEdges<T>(rows: T[], page: Page<unknown>, cursorOf: (row: T) => string): Edges<T> {
  const edges = rows.slice(0, page.first).map((node) => ({ cursor: cursorOf(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > page.first, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** `toEdges` as a Relay connection whose cursors encode each row's key. */
export function toConnection<T>(rows: T[], page: Page, keyOf: (row: T) => string, totalCount: number): Connection<T> {
  return { ...toEdges(rows, page, (row) => encodeCursor(keyOf(row))), totalCount };
}

/** Declares `<Name>Edge` and `<Name>Connection` for a node type, as the contract spells them. */
export function connectionTypes<T extends object>(name: string, node: ClassType<T>) {
  @ObjectType(`${name}Edge`, { description: `One ${name} in a page, with its cursor` })
  class Edge {
    @Field({ description: "Opaque; pass as `after` to continue after this item" })
    cursor!: string;

    @Field(() => node, { description: `The ${name}` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (Relay cursor connection)` })
  class ConnectionType {
    @Field(() => [Edge], { description: "The items of this page, in order" })
    edges!: Edge[];

    @Field(() => PageInfo, { description: "Where this page ends and whether more follow" })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "How many items there are in all, across every page" })
    totalCount!: number;
  }
  return ConnectionType;
}
