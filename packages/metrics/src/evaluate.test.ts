import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS, sklearn } from '../test/reference.js';
import { evaluate, rocCurves, summarize } from './evaluate.js';
import { readPredictionsFile } from './read-predictions.js';

describe('evaluate', () => {
  it('collects AUROC, averages, threshold metrics and violations of the reference file', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    const e = evaluate(p);
    const ref = sklearn.fixture.derivedGroundTruth;
    expect(e.images).toBe(668);
    expect(e.undefinedLabels).toEqual([]);
    expect(e.average.weighted).toBeCloseTo(ref.average.weighted, 12);
    expect(e.thresholdMetrics.f1Weighted).toBeCloseTo(ref.threshold.f1Weighted, 12);
    expect(e.violations!.imagesWithViolation).toBe(sklearn.fixture.violations.imagesWithViolation);
    const s = summarize(e);
    expect(Object.keys(s)).toEqual(['perLabel', 'average', 'violations']);
    expect(s.perLabel.Abnormal).toEqual({ auroc: e.perLabel[15]!.auroc, positives: 503 });
  });

  it('gives scikit-learn’s ROC points for the reference file', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    const curves = rocCurves(p);
    for (const label of ['Atelectasis', 'Abnormal']) {
      const ref = sklearn.fixture.roc[label]!.intermediate;
      const c = curves.get(label)!;
      expect(c.thresholds.slice(1)).toEqual(ref.thresholds);
      expect(c.fpr.length).toBe(ref.fpr.length);
      c.fpr.forEach((x, i) => {
        expect(x).toBeCloseTo(ref.fpr[i]!, 15);
        expect(c.tpr[i]).toBeCloseTo(ref.tpr[i]!, 15);
      });
    }
  });

  it('skips violations for labels outside the taxonomy or when asked', () => {
    const input = { labels: ['A'], truth: [[1], [0]], scores: [[0.9], [0.1]] };
    expect(evaluate(input).violations).toBeNull();
    const known = {
      labels: ['Other', 'Fracture'],
      truth: [
        [1, 1],
        [0, 0],
      ],
      scores: [
        [0.2, 0.9],
        [0.1, 0.1],
      ],
    };
    expect(evaluate(known).violations!.imagesWithViolation).toBe(1);
    expect(evaluate(known, { taxonomy: null }).violations).toBeNull();
    expect(evaluate(known, { threshold: 0.95 }).violations!.imagesWithViolation).toBe(0);
  });
});
