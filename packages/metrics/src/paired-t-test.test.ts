import { describe, expect, it } from 'vitest';
import { sklearn } from '../test/reference.js';
import { pairedTTest } from './paired-t-test.js';

describe('pairedTTest', () => {
  it('equals scipy.stats.ttest_rel', () => {
    for (const [name, c] of Object.entries(sklearn.tTests)) {
      const r = pairedTTest(c.a, c.b);
      expect(r.t, name).toBeCloseTo(c.t, 10);
      expect(Math.abs(r.p - c.p) / c.p, name).toBeLessThan(1e-10);
      expect(r.df).toBe(c.a.length - 1);
    }
  });

  it('tests Table III: ours against Zhang et al. over the 5 labels', () => {
    // scipy gives p = 0.0437 for these published numbers; the paper prints p = 0.0598 (its
    // test is not a plain paired t-test on the rounded table values).
    const c = sklearn.tTests['tableIII ours vs zhang']!;
    const r = pairedTTest(c.a, c.b);
    expect(r.p).toBeCloseTo(0.04367, 4);
    expect(r.meanDifference).toBeCloseTo((0.212 + 0.003 + 0.167 + 0.072 + 0.083) / 5, 12);
  });

  it('is hand-checkable: differences 1, 2, 3 give t = 2√3 with 2 degrees of freedom', () => {
    const r = pairedTTest([1, 2, 3], [0, 0, 0]);
    expect(r.t).toBeCloseTo(2 * Math.sqrt(3), 14);
    // Two-sided tail of t(2): 1 − t / √(t² + 2) = 1 − √12 / √14.
    expect(r.p).toBeCloseTo(1 - Math.sqrt(12 / 14), 14);
  });

  it('drops pairs with an undefined AUROC', () => {
    const r = pairedTTest([0.9, null, 0.8, 0.7], [0.85, 0.6, null, 0.69]);
    expect(r.n).toBe(2);
  });

  it('rejects too few pairs and unequal lengths', () => {
    expect(() => pairedTTest([0.9], [0.8])).toThrow(/at least 2/);
    expect(() => pairedTTest([0.9, 0.8], [0.8])).toThrow(/2 values against 1/);
  });
});
