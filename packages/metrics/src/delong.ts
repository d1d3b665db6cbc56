import { aurocFromSplit, splitByTruth } from './auroc.js';
import { normalQuantile, normalTwoSided } from './special-functions.js';

/**
 * DeLong's structural components of one scorer: for each positive, the share of negatives it
 * beats (ties ½); for each negative, the share of positives that beat it. Their means are the
 * AUROC; computed by binary search on sorted scores, O(n log n) — equal to the midrank
 * formulation of Sun & Xu (2014).
 */
interface Components {
  auroc: number;
  positive: Float64Array; // V10 in DeLong's notation, one per positive (in input order)
  negative: Float64Array; // V01, one per negative (in input order)
}

/** Number of entries of a sorted array that are < v (strict) or ≤ v. */
function countBelow(sorted: Float64Array, v: number, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = sorted[mid]!;
    if (x < v || (inclusive && x === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function components(truth: ArrayLike<number>, scores: ArrayLike<number>): Components {
  const split = splitByTruth(truth, scores);
  const auroc = aurocFromSplit(split);
  const m = split.positives.length;
  const n = split.negatives.length;
  if (auroc === null) {
    throw new RangeError(
      `DeLong needs both classes in the ground truth (${m} positives, ${n} negatives)`,
    );
  }
  const positive = new Float64Array(m);
  const negative = new Float64Array(n);
  let ip = 0;
  let ineg = 0;
  for (let i = 0; i < truth.length; i++) {
    const v = scores[i]! + 0;
    if (truth[i] === 1) {
      const below = countBelow(split.negatives, v, false);
      const upTo = countBelow(split.negatives, v, true);
      positive[ip++] = (below + upTo) / (2 * n);
    } else {
      const below = countBelow(split.positives, v, false);
      const upTo = countBelow(split.positives, v, true);
      negative[ineg++] = (2 * m - below - upTo) / (2 * m);
    }
  }
  return { auroc, positive, negative };
}

function mean(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

/** Sample covariance (n − 1 denominator, as numpy's cov). */
function covariance(x: Float64Array, y: Float64Array): number {
  const mx = mean(x);
  const my = mean(y);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - mx) * (y[i]! - my);
  return x.length > 1 ? s / (x.length - 1) : 0;
}

export interface DeLongVariance {
  auroc: number;
  /** DeLong's variance estimate of the AUROC. */
  variance: number;
}

/** AUROC and its DeLong variance for one scorer. */
export function delongVariance(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
): DeLongVariance {
  const c = components(truth, scores);
  const m = c.positive.length;
  const n = c.negative.length;
  return {
    auroc: c.auroc,
    variance: covariance(c.positive, c.positive) / m + covariance(c.negative, c.negative) / n,
  };
}

/** DeLong confidence interval of one AUROC (normal approximation, clipped to [0, 1]). */
export function delongConfidenceInterval(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  level = 0.95,
): { auroc: number; lower: number; upper: number; level: number } {
  const { auroc, variance } = delongVariance(truth, scores);
  const half = normalQuantile(1 - (1 - level) / 2) * Math.sqrt(variance);
  return { auroc, lower: Math.max(0, auroc - half), upper: Math.min(1, auroc + half), level };
}

export interface DeLongTest {
  aurocA: number;
  aurocB: number;
  /** aurocA − aurocB. */
  difference: number;
  varianceA: number;
  varianceB: number;
  covariance: number;
  /** Standard error of the difference. */
  standardError: number;
  z: number;
  /** Two-sided p-value of H0: equal AUROCs. */
  p: number;
}

/**
 * DeLong's test for two correlated AUROCs: two scorers on the same images with the same ground
 * truth (DeLong, DeLong & Clarke-Pearson 1988). Identical scorers give z = 0, p = 1.
 */
export function delongTest(
  truth: ArrayLike<number>,
  scoresA: ArrayLike<number>,
  scoresB: ArrayLike<number>,
): DeLongTest {
  if (scoresA.length !== truth.length || scoresB.length !== truth.length) {
    throw new RangeError(
      `DeLong: truth has ${truth.length} values, scores A ${scoresA.length}, scores B ${scoresB.length}`,
    );
  }
  const a = components(truth, scoresA);
  const b = components(truth, scoresB);
  const m = a.positive.length;
  const n = a.negative.length;
  const cov = (x: Components, y: Components) =>
    covariance(x.positive, y.positive) / m + covariance(x.negative, y.negative) / n;
  const varianceA = cov(a, a);
  const varianceB = cov(b, b);
  const covarianceAB = cov(a, b);
  const difference = a.auroc - b.auroc;
  const varDiff = Math.max(0, varianceA + varianceB - 2 * covarianceAB);
  const standardError = Math.sqrt(varDiff);
  let z: number;
  if (standardError > 0) z = difference / standardError;
  else z = difference === 0 ? 0 : Math.sign(difference) * Number.POSITIVE_INFINITY;
  return {
    aurocA: a.auroc,
    aurocB: b.auroc,
    difference,
    varianceA,
    varianceB,
    covariance: covarianceAB,
    standardError,
    z,
    p: normalTwoSided(z),
  };
}
