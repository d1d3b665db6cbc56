/**
 * Exact, tie-aware AUROC — the same number as scikit-learn's `roc_auc_score` — by sorting the
 * positives' and the negatives' scores separately (radix sort on the float bits) and counting,
 * for every positive, the negatives below it plus half of those tied with it. The sum is kept in
 * integers (twice the Mann-Whitney U), so the only rounding is the final division.
 */

import { sortFloat64 } from './sort-float64.js';

/** Scores of the positives and of the negatives, each sorted ascending; -0 is folded into 0. */
export interface SplitScores {
  positives: Float64Array;
  negatives: Float64Array;
}

/** Splits one label's scores by its 0/1 ground truth and sorts both halves ascending. */
export function splitByTruth(truth: ArrayLike<number>, scores: ArrayLike<number>): SplitScores {
  const n = truth.length;
  if (scores.length !== n) {
    throw new RangeError(`truth has ${n} values but scores have ${scores.length}`);
  }
  let p = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i]!;
    if (t === 1) p++;
    else if (t !== 0) throw new RangeError(`truth[${i}]: ${t} is not 0 or 1`);
  }
  const positives = new Float64Array(p);
  const negatives = new Float64Array(n - p);
  let ip = 0;
  let ineg = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) throw new RangeError(`scores[${i}]: ${s} is not a finite number`);
    // `+ 0` turns -0 into 0: typed-array sort orders -0 before 0, scikit-learn treats them equal.
    if (truth[i] === 1) positives[ip++] = s + 0;
    else negatives[ineg++] = s + 0;
  }
  sortFloat64(positives);
  sortFloat64(negatives);
  return { positives, negatives };
}

/**
 * AUROC from sorted positive and negative scores: P(score⁺ > score⁻) + ½ P(score⁺ = score⁻).
 * `null` when one class is missing (scikit-learn raises there; the AUROC is undefined).
 */
export function aurocFromSplit({ positives, negatives }: SplitScores): number | null {
  const p = positives.length;
  const n = negatives.length;
  if (p === 0 || n === 0) return null;
  let twiceU = 0; // 2 × (negatives below + ½ tied), summed over positives: an exact integer
  let below = 0; // negatives strictly below the current positive
  let upTo = 0; // negatives ≤ the current positive
  for (let i = 0; i < p; i++) {
    const v = positives[i]!;
    while (below < n && negatives[below]! < v) below++;
    if (upTo < below) upTo = below;
    while (upTo < n && negatives[upTo]! <= v) upTo++;
    twiceU += below + upTo; // 2·below + tied
  }
  return twiceU / (2 * p * n);
}

/** AUROC of one label (0/1 truth, finite scores); `null` when the truth has one class only. */
export function binaryAuroc(truth: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return aurocFromSplit(splitByTruth(truth, scores));
}

/** A ROC curve as scikit-learn's `roc_curve` returns it. */
export interface RocCurve {
  /** False-positive rate at each point, starting at 0. */
  fpr: number[];
  /** True-positive rate at each point, starting at 0. */
  tpr: number[];
  /**
   * Decision thresholds, descending: the first is `Infinity` (no image predicted positive, as in
   * scikit-learn ≥ 1.3), then every distinct score; point i counts scores ≥ thresholds[i].
   */
  thresholds: number[];
  positives: number;
  negatives: number;
}

export interface RocCurveOptions {
  /**
   * Drop points on straight segments, exactly like scikit-learn's `drop_intermediate=True`
   * (its default). Default `false`: every distinct threshold is a point.
   */
  dropIntermediate?: boolean;
}

/**
 * ROC curve points of one label. Tied scores form one point (a diagonal segment), so the
 * trapezoidal area under these points is the tie-aware AUROC. Throws when a class is missing
 * (the rates would divide by zero).
 */
export function rocCurve(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: RocCurveOptions = {},
): RocCurve {
  const { positives, negatives } = splitByTruth(truth, scores);
  const p = positives.length;
  const n = negatives.length;
  if (p === 0 || n === 0) {
    throw new RangeError(
      `ROC curve needs both classes in the ground truth (got ${p} positives, ${n} negatives)`,
    );
  }
  // Walk both sorted arrays from the top, one distinct threshold at a time.
  let ip = p - 1;
  let ineg = n - 1;
  let tps = 0;
  let fps = 0;
  const tp: number[] = [0];
  const fp: number[] = [0];
  const thresholds: number[] = [Number.POSITIVE_INFINITY];
  while (ip >= 0 || ineg >= 0) {
    const vp = ip >= 0 ? positives[ip]! : Number.NEGATIVE_INFINITY;
    const vn = ineg >= 0 ? negatives[ineg]! : Number.NEGATIVE_INFINITY;
    const v = Math.max(vp, vn);
    while (ip >= 0 && positives[ip] === v) {
      ip--;
      tps++;
    }
    while (ineg >= 0 && negatives[ineg] === v) {
      ineg--;
      fps++;
    }
    tp.push(tps);
    fp.push(fps);
    thresholds.push(v);
  }
  let keep: number[] | null = null;
  if (options.dropIntermediate && tp.length > 3) {
    // scikit-learn: among the threshold points (the origin is added afterwards), keep the ends and
    // every point where the slope changes (non-zero second differences).
    keep = [0, 1];
    for (let i = 2; i < tp.length - 1; i++) {
      const d2fp = fp[i + 1]! - 2 * fp[i]! + fp[i - 1]!;
      const d2tp = tp[i + 1]! - 2 * tp[i]! + tp[i - 1]!;
      if (d2fp !== 0 || d2tp !== 0) keep.push(i);
    }
    keep.push(tp.length - 1);
  }
  const pick = <T>(a: T[]): T[] => (keep ? keep.map((i) => a[i]!) : a);
  return {
    fpr: pick(fp).map((x) => x / n),
    tpr: pick(tp).map((x) => x / p),
    thresholds: pick(thresholds),
    positives: p,
    negatives: n,
  };
}

/** Area under a curve by the trapezoidal rule (x ascending), like scikit-learn's `auc`. */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}
