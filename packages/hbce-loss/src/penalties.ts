import { edgeIndices, type LabelRows, type Taxonomy, toMatrix } from '@cihmlc/taxonomy';

/**
 * `complement` is the authors' code, `1 - (N[p=0,c=1] + ε) / (N[p=0] + 2ε)`, and matches the
 * paper's reported range (0.814–0.999); `ratio` is Eq. 4 as printed, without the `1 -`.
 */
export type PenaltyFormula = 'complement' | 'ratio';
/** Every `PenaltyFormula`. */
export const PENALTY_FORMULAS: readonly PenaltyFormula[] = ['complement', 'ratio'];

export interface DataDrivenPenaltyOptions {
  /** Laplace smoothing ε (default 1e-6). */
  epsilon?: number;
  formula?: PenaltyFormula;
}

/** Counts behind one edge's data-driven penalty, for reports. */
export interface EdgeStatistics {
  parent: string;
  child: string;
  /** Images whose parent label is 0. */
  parentNegatives: number;
  /** Images whose parent is 0 while the child is 1. */
  childWithoutParent: number;
  penalty: number;
}

/**
 * Per-edge statistics and data-driven penalties (method-notes §2) from a training label matrix
 * in `outputLabels` order, after derivation. Labels must be 0 or 1.
 */
export function edgeStatistics(
  labels: LabelRows,
  taxonomy: Taxonomy,
  options: DataDrivenPenaltyOptions = {},
): EdgeStatistics[] {
  const epsilon = options.epsilon ?? 1e-6;
  const formula = options.formula ?? 'complement';
  if (formula !== 'complement' && formula !== 'ratio') {
    throw new RangeError(`formula must be "complement" or "ratio", got ${JSON.stringify(formula)}`);
  }
  if (!(epsilon >= 0)) throw new RangeError(`epsilon must be ≥ 0, got ${epsilon}`);
  const m = toMatrix(labels, taxonomy.outputLabels.length, 'labels');
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i]!;
    if (v !== 0 && v !== 1) {
      const r = Math.floor(i / m.cols);
      throw new RangeError(
        `labels[${r}] "${taxonomy.outputLabels[i % m.cols]}": value ${v} is not 0 or 1`,
      );
    }
  }
  return edgeIndices(taxonomy).map(({ parent, child }, k) => {
    let parentNegatives = 0;
    let childWithoutParent = 0;
    for (let r = 0; r < m.rows; r++) {
      if (m.data[r * m.cols + parent] === 0) {
        parentNegatives++;
        if (m.data[r * m.cols + child] === 1) childWithoutParent++;
      }
    }
    const ratio = (childWithoutParent + epsilon) / (parentNegatives + 2 * epsilon);
    return {
      parent: taxonomy.edges[k]!.parent,
      child: taxonomy.edges[k]!.child,
      parentNegatives,
      childWithoutParent,
      penalty: formula === 'complement' ? 1 - ratio : ratio,
    };
  });
}

/** One data-driven penalty per edge of `taxonomy.edges`, in the same order. */
export function dataDrivenPenalties(
  labels: LabelRows,
  taxonomy: Taxonomy,
  options: DataDrivenPenaltyOptions = {},
): number[] {
  return edgeStatistics(labels, taxonomy, options).map((e) => e.penalty);
}
