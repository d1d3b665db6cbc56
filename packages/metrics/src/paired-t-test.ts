import { studentTTwoSided } from './special-functions.js';

export interface PairedTTest {
  /** Number of pairs. */
  n: number;
  /** Mean of a[i] − b[i]. */
  meanDifference: number;
  /** Student's t statistic of the differences. */
  t: number;
  /** Degrees of freedom, n − 1. */
  df: number;
  /** Exact two-sided p-value (as scipy.stats.ttest_rel). */
  p: number;
}

/**
 * Paired Student t-test, e.g. over the per-label AUROCs of two configurations (method-notes §5),
 * with an exact two-sided p-value from the regularized incomplete beta function. Pairs where
 * either value is `null` (an undefined AUROC) are dropped. All differences equal → t = ±∞, p = 0
 * (or t = NaN, p = NaN when they are all 0, as scipy reports).
 */
export function pairedTTest(
  a: readonly (number | null)[],
  b: readonly (number | null)[],
): PairedTTest {
  if (a.length !== b.length) {
    throw new RangeError(`paired t-test: ${a.length} values against ${b.length}`);
  }
  const d: number[] = [];
  a.forEach((x, i) => {
    const y = b[i];
    if (x === null || y === null || y === undefined) return;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new RangeError(`paired t-test: pair ${i} (${x}, ${y}) is not finite`);
    }
    d.push(x - y);
  });
  const n = d.length;
  if (n < 2) throw new RangeError(`paired t-test needs at least 2 complete pairs, got ${n}`);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const variance = d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const t = mean / Math.sqrt(variance / n);
  const df = n - 1;
  return { n, meanDifference: mean, t, df, p: studentTTwoSided(t, df) };
}
