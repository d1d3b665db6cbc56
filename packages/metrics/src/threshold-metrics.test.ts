import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS, sklearn } from '../test/reference.js';
import { readPredictionsFile } from './read-predictions.js';
import { thresholdMetrics } from './threshold-metrics.js';

describe('thresholdMetrics', () => {
  it('equals scikit-learn f1_score and accuracy on the reference predictions', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    const m = thresholdMetrics({ labels: p.labels, truth: p.truth, scores: p.scores });
    const ref = sklearn.fixture.derivedGroundTruth.threshold;
    expect(m.f1Weighted).toBeCloseTo(ref.f1Weighted, 14);
    expect(m.f1Macro).toBeCloseTo(ref.f1Macro, 14);
    expect(m.accuracy).toBeCloseTo(ref.accuracy, 14);
    m.perLabel.forEach((l, i) => {
      expect(l.f1, l.label).toBeCloseTo(ref.f1PerLabel[i]!, 14);
      expect(l.accuracy, l.label).toBeCloseTo(ref.accuracyPerLabel[i]!, 14);
    });
  });

  it('equals scikit-learn with single-class labels (F1 0 by zero_division)', () => {
    const { labels, truth, scores, threshold: ref } = sklearn.synthetic.multilabel;
    const m = thresholdMetrics({ labels, truth, scores });
    expect(m.f1Weighted).toBeCloseTo(ref.f1Weighted, 14);
    expect(m.f1Macro).toBeCloseTo(ref.f1Macro, 14);
    for (const [i, l] of m.perLabel.entries()) expect(l.f1).toBeCloseTo(ref.f1PerLabel[i]!, 14);
  });

  it('counts a score equal to the threshold as negative (hand-worked)', () => {
    const m = thresholdMetrics({
      labels: ['A'],
      truth: [[1], [1], [0], [0]],
      scores: [[0.5], [0.9], [0.2], [0.6]],
    });
    const a = m.perLabel[0]!;
    expect(a).toMatchObject({
      truePositives: 1,
      falseNegatives: 1,
      falsePositives: 1,
      trueNegatives: 1,
    });
    expect(a.precision).toBe(0.5);
    expect(a.recall).toBe(0.5);
    expect(a.f1).toBe(0.5);
    expect(m.accuracy).toBe(0.5);
    expect(m.subsetAccuracy).toBe(0.5);
    expect(
      thresholdMetrics({ labels: ['A'], truth: [[1]], scores: [[0.5]] }, { threshold: 0.4 })
        .perLabel[0]!.truePositives,
    ).toBe(1);
  });
});
