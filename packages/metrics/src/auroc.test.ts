import { mulberry32 } from '@cihmlc/internal';
import { describe, expect, it } from 'vitest';
import { sklearn } from '../test/reference.js';
import { binaryAuroc, rocCurve, trapezoidArea } from './auroc.js';

/** A second, naive implementation: every positive-negative pair, ties count ½ (O(P·N)). */
function naiveAuroc(truth: number[], scores: number[]): number | null {
  let wins = 0;
  let pairs = 0;
  truth.forEach((t, i) => {
    if (t !== 1) return;
    truth.forEach((u, j) => {
      if (u !== 0) return;
      pairs++;
      if (scores[i]! > scores[j]!) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    });
  });
  return pairs === 0 ? null : wins / pairs;
}

describe('binaryAuroc', () => {
  it('is 1 for perfect and 0 for inverted scores', () => {
    expect(binaryAuroc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(binaryAuroc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1])).toBe(0);
  });

  it('gives ties half credit (hand-worked)', () => {
    // All scores tied: every pair is half a win.
    expect(binaryAuroc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    // Positives 0.35, 0.8, 0.4, 0.9 against negatives 0.1, 0.4, 0.4, 0.1:
    // wins 2 + 4 + (2 + ½·2) + 4 = 13 of 16 pairs.
    const { truth, scores, auroc } = sklearn.synthetic.ties8;
    expect(binaryAuroc(truth, scores)).toBe(13 / 16);
    expect(auroc).toBe(13 / 16);
  });

  it('equals scikit-learn on a 0.1 grid with heavy ties', () => {
    const { truth, scores, auroc } = sklearn.synthetic.grid200;
    expect(binaryAuroc(truth, scores)).toBeCloseTo(auroc, 14);
  });

  it('agrees with a naive pairwise count on random tied data', () => {
    const random = mulberry32(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(random() * 200);
      const truth = Array.from({ length: n }, () => (random() < 0.3 ? 1 : 0));
      const scores = truth.map((t) => Math.round((random() + 0.3 * t) * 8) / 8);
      const expected = naiveAuroc(truth, scores);
      const actual = binaryAuroc(truth, scores);
      if (expected === null) expect(actual).toBeNull();
      else expect(actual).toBeCloseTo(expected, 14);
    }
  });

  it('is null (undefined, not 0.5) when the truth has one class', () => {
    expect(binaryAuroc([0, 0, 0], [0.1, 0.5, 0.9])).toBeNull();
    expect(binaryAuroc([1, 1], [0.1, 0.9])).toBeNull();
    expect(binaryAuroc([], [])).toBeNull();
  });

  it('treats -0 and 0 as the same score', () => {
    expect(binaryAuroc([1, 0], [-0, 0])).toBe(0.5);
  });

  it('rejects NaN scores and non-binary truth, naming the index', () => {
    expect(() => binaryAuroc([0, 1, 0], [0.1, Number.NaN, 0.3])).toThrow(/scores\[1\]: NaN/);
    expect(() => binaryAuroc([0, 2], [0.1, 0.2])).toThrow(/truth\[1\]: 2 is not 0 or 1/);
    expect(() => binaryAuroc([0, 1], [0.1])).toThrow(/2 values but scores have 1/);
  });
});

describe('rocCurve', () => {
  const cases = {
    ties8: sklearn.synthetic.ties8,
    grid200: sklearn.synthetic.grid200,
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`matches scikit-learn roc_curve on ${name} (drop_intermediate False and True)`, () => {
      const full = rocCurve(c.truth, c.scores);
      expect(full.thresholds[0]).toBe(Number.POSITIVE_INFINITY);
      expect(full.thresholds.slice(1)).toEqual(c.roc.thresholds);
      for (const [i, x] of full.fpr.entries()) expect(x).toBeCloseTo(c.roc.fpr[i]!, 15);
      for (const [i, x] of full.tpr.entries()) expect(x).toBeCloseTo(c.roc.tpr[i]!, 15);
      expect(full.fpr).toHaveLength(c.roc.fpr.length);
      const dropped = rocCurve(c.truth, c.scores, { dropIntermediate: true });
      expect(dropped.thresholds.slice(1)).toEqual(c.rocDropped.thresholds);
      expect(dropped.fpr).toHaveLength(c.rocDropped.fpr.length);
      for (const [i, x] of dropped.tpr.entries()) expect(x).toBeCloseTo(c.rocDropped.tpr[i]!, 15);
    });
  }

  it('has an area equal to the AUROC', () => {
    const { truth, scores } = sklearn.synthetic.grid200;
    const curve = rocCurve(truth, scores);
    expect(trapezoidArea(curve.fpr, curve.tpr)).toBeCloseTo(binaryAuroc(truth, scores)!, 14);
    expect(curve.positives + curve.negatives).toBe(200);
  });

  it('puts tied scores in one diagonal step', () => {
    const curve = rocCurve([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1]);
    expect(curve.fpr).toEqual([0, 0, 0.5, 1]);
    expect(curve.tpr).toEqual([0, 0.5, 1, 1]);
    expect(curve.thresholds).toEqual([Number.POSITIVE_INFINITY, 0.9, 0.5, 0.1]);
  });

  it('throws for a single-class label', () => {
    expect(() => rocCurve([0, 0], [0.2, 0.3])).toThrow(/both classes/);
  });
});
