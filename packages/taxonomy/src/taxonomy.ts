/**
 * A taxonomy is a plain JSON value: the labels a dataset provides (`sourceLabels`), the labels
 * derived from them by rules, the order a model outputs them in, and the parent → child edges the
 * hierarchical loss penalises.
 */

/** A label set to 1 when any of `of` is 1 (a high-level grouping such as Cardiac). */
export interface AnyOfRule {
  label: string;
  kind: 'anyOf';
  of: string[];
}

/**
 * A label set to 1 when none of `of` is 1: the paper's Uncertain (none of the 14 labels) and
 * Abnormal (neither No Finding nor Uncertain).
 */
export interface NoneOfRule {
  label: string;
  kind: 'noneOf';
  of: string[];
}

export type DerivationRule = AnyOfRule | NoneOfRule;

/** A parent → child edge of the hierarchy, penalised when the child fires without its parent. */
export interface HierarchyEdge {
  parent: string;
  child: string;
}

export interface Taxonomy {
  /** Free-form name, e.g. `chexpert-cihmlc`. */
  name: string;
  /** Labels as the dataset provides them, in the order rows of source labels use. */
  sourceLabels: string[];
  /** Rules deriving further labels, evaluated in order; a rule may use earlier derived labels. */
  derived: DerivationRule[];
  /** The order of a model's outputs: any subset of source and derived labels. */
  outputLabels: string[];
  /** Parent → child penalty edges, between output labels. */
  edges: HierarchyEdge[];
}

/** Every label the taxonomy knows: source labels, then derived labels in rule order. */
export function allLabels(taxonomy: Taxonomy): string[] {
  return [...taxonomy.sourceLabels, ...taxonomy.derived.map((r) => r.label)];
}
