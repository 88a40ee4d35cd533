import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";

/**
 * What a document comes to once its fragments are expanded, measured before
 * validation so that nothing downstream (validation, the depth and alias
 * rules, the planner) is handed a document whose expansion is huge: a few
 * hundred bytes of fragments that spread each other twice expand to 2^30
 * fields. Each fragment is measured once and remembered, so the measure
 * takes time linear in the document whatever the expansion comes to.
 */
export interface ShapeLimits {
  /** Fields once expanded, per operation or fragment (the token limit: what could not be written out may not be spread in). */
  maxFields: number;
  /** Pairs of fields under one response name in one selection set once expanded: graphql-js compares each such pair, so their number is its work. */
  maxRepeatedPairs: number;
  /** Levels of selection sets, inline fragments and fragment spreads once expanded. */
  maxNesting: number;
}

export const DEFAULT_MAX_REPEATED_PAIRS = 2_000;
export const DEFAULT_MAX_NESTING = 256;
/**
 * Map updates and selections visited before the measure gives up (some 50 ms):
 * a legitimate document needs about as many as it has fields once expanded,
 * which the field limit keeps far below this.
 */
const WORK_BUDGET = 250_000;
/** Counts saturate here, well past every limit: a doubling expansion would otherwise overflow to Infinity and NaN. */
const CAP = 1e15;

interface Shape {
  fields: number;
  nesting: number;
  /** Repeated pairs in the selection sets below this one's own level. */
  innerPairs: number;
  /** How many fields answer under each response name at this level, through inline fragments and spreads. */
  names: Map<string, number>;
}

export type ShapeVerdict = { ok: true } | { ok: false; reason: string };

const add = (a: number, b: number) => Math.min(a + b, CAP);
const pairsOf = (names: Map<string, number>) => {
  let pairs = 0;
  for (const n of names.values()) pairs = add(pairs, n > 1 ? Math.min((n * (n - 1)) / 2, CAP) : 0);
  return pairs;
};

class Refused extends Error {}

/** Measures every operation and fragment of `document` against `limits`; the first one over a limit is the reason to refuse. */
export function checkQueryShape(document: DocumentNode, limits: ShapeLimits): ShapeVerdict {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(d.name.value)) fragments.set(d.name.value, d);
  const measured = new Map<string, Shape>();
  const measuring = new Set<string>();
  let work = 0;
  const spend = (n: number) => {
    work += n;
    if (work > WORK_BUDGET) throw new Refused("The query's fragments expand too far to be checked");
  };
  const pairsIn = (names: Map<string, number>) => {
    spend(names.size);
    return pairsOf(names);
  };
  const tooDeep = () => new Refused(`The query nests more than ${limits.maxNesting} levels once its fragments are expanded`);

  const fragmentShape = (name: string, level: number): Shape | undefined => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // An unknown fragment, or one that spreads itself, is left for validation to refuse.
    if (!fragment || measuring.has(name)) return undefined;
    measuring.add(name);
    const shape = setShape(fragment.selectionSet, level);
    measuring.delete(name);
    measured.set(name, shape);
    return shape;
  };

  /** The shape of a selection set met `level` sets deep in the recursion; the recursion itself stops at the nesting limit. */
  const setShape = (set: SelectionSetNode, level: number): Shape => {
    if (level > limits.maxNesting) throw tooDeep();
    const shape: Shape = { fields: 0, nesting: 1, innerPairs: 0, names: new Map() };
    const merge = (inner: Shape, plusFields: number) => {
      spend(inner.names.size);
      shape.fields = add(shape.fields, inner.fields + plusFields);
      shape.nesting = Math.max(shape.nesting, inner.nesting + 1);
      shape.innerPairs = add(shape.innerPairs, inner.innerPairs);
      for (const [name, n] of inner.names) shape.names.set(name, add(shape.names.get(name) ?? 0, n));
    };
    spend(set.selections.length);
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.alias?.value ?? selection.name.value;
        shape.fields = add(shape.fields, 1);
        shape.names.set(name, add(shape.names.get(name) ?? 0, 1));
        if (!selection.selectionSet) continue;
        const sub = setShape(selection.selectionSet, level + 1);
        shape.fields = add(shape.fields, sub.fields);
        shape.nesting = Math.max(shape.nesting, sub.nesting + 1);
        shape.innerPairs = add(shape.innerPairs, add(sub.innerPairs, pairsIn(sub.names)));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        merge(setShape(selection.selectionSet, level + 1), 0);
      } else {
        const fragment = fragmentShape(selection.name.value, level + 1);
        if (fragment) merge(fragment, 0);
      }
      if (shape.fields > limits.maxFields) throw new Refused(`The query has more than ${limits.maxFields} fields once its fragments are expanded`);
    }
    return shape;
  };

  const judge = (shape: Shape): ShapeVerdict => {
    if (shape.nesting > limits.maxNesting) throw tooDeep();
    const pairs = add(shape.innerPairs, pairsIn(shape.names));
    if (pairs > limits.maxRepeatedPairs) {
      throw new Refused(`The query repeats fields under the same name more than ${limits.maxRepeatedPairs} times over (pairs of fields to compare) once its fragments are expanded`);
    }
    return { ok: true };
  };

  try {
    for (const d of document.definitions) {
      if (d.kind === Kind.OPERATION_DEFINITION) judge(setShape(d.selectionSet, 1));
      else if (d.kind === Kind.FRAGMENT_DEFINITION) {
        const shape = fragmentShape(d.name.value, 1);
        if (shape) judge(shape);
      }
    }
    return { ok: true };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    throw error;
  }
}
