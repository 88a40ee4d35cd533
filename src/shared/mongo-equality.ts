import type { Schema } from "mongoose";

type Filter = Record<string, unknown>;

const isPlain = (v: unknown): v is Filter => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/**
 * The filter with each one-value `$in` written as the equality it means
 * (`{ a: { $in: [x] } }` is `{ a: x }` for every value of x), in `$and`,
 * `$or` and `$nor` branches too; the filter given is left as it is.
 */
export function singleInAsEquality(filter: Filter): Filter {
  let out: Filter | null = null;
  for (const [key, value] of Object.entries(filter)) {
    let next = value;
    if ((key === "$and" || key === "$or" || key === "$nor") && Array.isArray(value)) {
      const branches = value.map((b) => (isPlain(b) ? singleInAsEquality(b) : b));
      if (branches.some((b, i) => b !== value[i])) next = branches;
    } else if (isPlain(value) && Object.keys(value).length === 1 && Array.isArray(value.$in) && value.$in.length === 1) {
      next = value.$in[0];
    }
    if (next !== value) (out ??= { ...filter })[key] = next;
  }
  return out ?? filter;
}

/**
 * Mongoose plugin: queries send a one-value `$in` as an equality. The
 * embedded server answers an equality from its index but an `$in` by
 * scanning the collection (twice its CPU for one offer by id among 3,000);
 * MongoDB plans both alike. Per-request loaders send `$in` whatever the
 * number of keys, and most requests ask for one.
 */
export function oneValueInAsEquality(schema: Schema): void {
  schema.pre(["find", "findOne", "countDocuments", "updateOne", "updateMany", "deleteOne", "deleteMany", "findOneAndUpdate", "findOneAndDelete"], function () {
    const filter = this.getFilter();
    const rewritten = singleInAsEquality(filter);
    if (rewritten !== filter) this.setQuery(rewritten);
  });
}
