import { Kind, type DirectiveNode, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";

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
  /**
   * Pairs graphql-js compares to prove that fields can be merged, once expanded: of fields under one
   * response name in one selection set, and (counted apart) of fragments spread side by side in one.
   * Quadratic in the document, where everything else is linear.
   */
  maxRepeatedPairs: number;
  /** Levels of selection sets, inline fragments and fragment spreads once expanded. */
  maxNesting: number;
}

export const DEFAULT_MAX_REPEATED_PAIRS = 2_000;
/**
 * Arguments per field or directive, directives per place, variables per
 * operation: the contract's widest field takes a handful, and thousands of
 * them cost validation hundreds of milliseconds (seconds on a busy machine).
 */
export const MAX_ARGUMENTS = 64;
export const MAX_DIRECTIVES = 16;
export const MAX_VARIABLES = 512;
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
  /** Pairs of fields under one name in the selection sets below this one's own level. */
  innerPairs: number;
  /** Pairs of fragments side by side in the selection sets below this one's own level. */
  innerSpreadPairs: number;
  /** How many fields answer under each response name at this level, through inline fragments and spreads. */
  names: Map<string, number>;
  /** The fragments spread at this level, through inline fragments: graphql-js compares each pair of them. */
  spreads: Set<string>;
}

export type ShapeVerdict = { ok: true } | { ok: false; reason: string };

const add = (a: number, b: number) => Math.min(a + b, CAP);
const pairs = (n: number) => (n > 1 ? Math.min((n * (n - 1)) / 2, CAP) : 0);
/** The pairs of fields under one name compared in one selection set, once its fields are all known. */
const pairsOf = (shape: Shape) => {
  let total = 0;
  for (const n of shape.names.values()) total = add(total, pairs(n));
  return total;
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
  const pairsIn = (shape: Shape) => {
    spend(shape.names.size);
    return pairsOf(shape);
  };
  const checkDirectives = (directives: readonly DirectiveNode[] | undefined) => {
    if (!directives) return;
    if (directives.length > MAX_DIRECTIVES) throw new Refused(`A place in the query carries more than ${MAX_DIRECTIVES} directives`);
    for (const d of directives) if ((d.arguments?.length ?? 0) > MAX_ARGUMENTS) throw new Refused(`A directive has more than ${MAX_ARGUMENTS} arguments`);
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
    const shape: Shape = { fields: 0, nesting: 1, innerPairs: 0, innerSpreadPairs: 0, names: new Map(), spreads: new Set() };
    const merge = (inner: Shape, withSpreads: boolean) => {
      spend(inner.names.size);
      shape.fields = add(shape.fields, inner.fields);
      shape.nesting = Math.max(shape.nesting, inner.nesting + 1);
      shape.innerPairs = add(shape.innerPairs, inner.innerPairs);
      shape.innerSpreadPairs = add(shape.innerSpreadPairs, inner.innerSpreadPairs);
      for (const [name, n] of inner.names) shape.names.set(name, add(shape.names.get(name) ?? 0, n));
      if (!withSpreads) return;
      spend(inner.spreads.size);
      for (const name of inner.spreads) shape.spreads.add(name);
    };
    spend(set.selections.length);
    for (const selection of set.selections) {
      checkDirectives(selection.directives);
      if (selection.kind === Kind.FIELD) {
        if ((selection.arguments?.length ?? 0) > MAX_ARGUMENTS) throw new Refused(`A field has more than ${MAX_ARGUMENTS} arguments`);
        const name = selection.alias?.value ?? selection.name.value;
        shape.fields = add(shape.fields, 1);
        shape.names.set(name, add(shape.names.get(name) ?? 0, 1));
        if (!selection.selectionSet) continue;
        const sub = setShape(selection.selectionSet, level + 1);
        shape.fields = add(shape.fields, sub.fields);
        shape.nesting = Math.max(shape.nesting, sub.nesting + 1);
        shape.innerPairs = add(shape.innerPairs, add(sub.innerPairs, pairsIn(sub)));
        shape.innerSpreadPairs = add(shape.innerSpreadPairs, add(sub.innerSpreadPairs, pairs(sub.spreads.size)));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        merge(setShape(selection.selectionSet, level + 1), true);
      } else {
        shape.spreads.add(selection.name.value);
        // The fragments it spreads in turn are compared within it, once, not side by side with this level's.
        const fragment = fragmentShape(selection.name.value, level + 1);
        if (fragment) merge(fragment, false);
      }
      if (shape.fields > limits.maxFields) throw new Refused(`The query has more than ${limits.maxFields} fields once its fragments are expanded`);
    }
    return shape;
  };

  const judge = (shape: Shape): ShapeVerdict => {
    if (shape.nesting > limits.maxNesting) throw tooDeep();
    if (add(shape.innerPairs, pairsIn(shape)) > limits.maxRepeatedPairs) {
      throw new Refused(`The query has more than ${limits.maxRepeatedPairs} pairs of fields under one name to compare once its fragments are expanded`);
    }
    if (add(shape.innerSpreadPairs, pairs(shape.spreads.size)) > limits.maxRepeatedPairs) {
      throw new Refused(`The query has more than ${limits.maxRepeatedPairs} pairs of fragments side by side to compare once its fragments are expanded`);
    }
    return { ok: true };
  };

  try {
    for (const d of document.definitions) {
      if (d.kind === Kind.OPERATION_DEFINITION) {
        if ((d.variableDefinitions?.length ?? 0) > MAX_VARIABLES) throw new Refused(`An operation declares more than ${MAX_VARIABLES} variables`);
        checkDirectives(d.directives);
        judge(setShape(d.selectionSet, 1));
      }
      else if (d.kind === Kind.FRAGMENT_DEFINITION) {
        checkDirectives(d.directives);
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
