import { describe, expect, it } from 'vitest';
import { close, REFERENCE_PREDICTIONS, sklearn } from '../test/reference.js';
import { multilabelAuroc } from './multilabel-auroc.js';
import { readPredictionsFile } from './read-predictions.js';
import { thresholdMetrics } from './threshold-metrics.js';

describe('multilabelAuroc', () => {
  it('reproduces scikit-learn on the reference predictions (ground truth derived)', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    const result = multilabelAuroc({ labels: p.labels, truth: p.truth, scores: p.scores });
    const ref = sklearn.fixture.derivedGroundTruth;
    for (const l of result.perLabel) {
      expect(close(l.auroc, ref.perLabel[l.label]!.auroc), l.label).toBe(true);
      expect(l.positives).toBe(ref.perLabel[l.label]!.positives);
      expect(l.positives + l.negatives).toBe(668);
    }
    expect(close(result.average.macro, ref.average.macro)).toBe(true);
    expect(close(result.average.weighted, ref.average.weighted)).toBe(true);
    expect(close(result.average.micro, ref.average.micro)).toBe(true);
    // The paper's headline: weighted AUROC 0.9034.
    expect(result.average.weighted!.toFixed(4)).toBe('0.9034');
  });

  it('reproduces scikit-learn with the file’s own ground truth (Abnormal differs)', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS, { groundTruth: 'file' });
    const result = multilabelAuroc({ labels: p.labels, truth: p.truth, scores: p.scores });
    const ref = sklearn.fixture.fileGroundTruth;
    for (const l of result.perLabel) {
      expect(close(l.auroc, ref.perLabel[l.label]!.auroc), l.label).toBe(true);
    }
    expect(close(result.average.weighted, ref.average.weighted)).toBe(true);
    expect(result.average.weighted!).toBeGreaterThan(0.904);
  });

  it('reports single-class labels as null and leaves them out of all three averages', () => {
    const { labels, truth, scores, perLabel, average } = sklearn.synthetic.multilabel;
    const result = multilabelAuroc({ labels, truth, scores });
    expect(result.undefinedLabels).toEqual(['L3', 'L5']);
    for (const l of result.perLabel) {
      expect(close(l.auroc, perLabel[l.label]!.auroc), l.label).toBe(true);
      expect(l.positives).toBe(perLabel[l.label]!.positives);
    }
    // sklearn's averages over the four labels with both classes.
    expect(close(result.average.macro, average.macro)).toBe(true);
    expect(close(result.average.weighted, average.weighted)).toBe(true);
    expect(close(result.average.micro, average.micro)).toBe(true);
  });

  it('weights by positives (hand-worked)', () => {
    // A: perfect with 1 positive; B: inverted with 3 positives; C: all positive (undefined).
    const truth = [
      [1, 1, 1],
      [0, 1, 1],
      [0, 1, 1],
      [0, 0, 1],
    ];
    const scores = [
      [0.9, 0.1, 0.5],
      [0.1, 0.2, 0.5],
      [0.2, 0.3, 0.5],
      [0.3, 0.9, 0.5],
    ];
    const r = multilabelAuroc({ labels: ['A', 'B', 'C'], truth, scores });
    expect(r.perLabel.map((l) => l.auroc)).toEqual([1, 0, null]);
    expect(r.average.macro).toBe(0.5);
    expect(r.average.weighted).toBe((1 * 1 + 0 * 3) / 4);
    expect(r.undefinedLabels).toEqual(['C']);
  });

  it('has null averages when no label is defined', () => {
    const r = multilabelAuroc({ labels: ['A'], truth: [[1], [1]], scores: [[0.2], [0.4]] });
    expect(r.average).toEqual({ macro: null, weighted: null, micro: null });
  });

  it('names the row and label of a NaN score or a non-binary truth', () => {
    expect(() =>
      multilabelAuroc({
        labels: ['A', 'B'],
        truth: [
          [0, 1],
          [1, 0],
        ],
        scores: [
          [0.1, 0.2],
          [0.3, Number.NaN],
        ],
      }),
    ).toThrow('scores row 1, label "B": NaN is not a finite number');
    expect(() =>
      multilabelAuroc({
        labels: ['A', 'B'],
        truth: [
          [0, 0.5],
          [1, 0],
        ],
        scores: [
          [0.1, 0.2],
          [0.3, 0.4],
        ],
      }),
    ).toThrow('truth row 0, label "B": 0.5 is not 0 or 1');
    expect(() =>
      multilabelAuroc({ labels: ['A', 'B'], truth: [[0, 1]], scores: [[0.1, 0.2, 0.3]] }),
    ).toThrow('scores[0]: expected 2 values, got 3');
  });

  it('rejects repeated labels and different row counts', () => {
    expect(() =>
      multilabelAuroc({ labels: ['A', 'A'], truth: [[0, 1]], scores: [[0.1, 0.2]] }),
    ).toThrow('label "A" appears twice');
    expect(() => multilabelAuroc({ labels: ['A'], truth: [[0], [1]], scores: [[0.1]] })).toThrow(
      'truth has 2 rows but scores have 1',
    );
  });

  it('has every AUROC undefined for zero images', () => {
    const r = multilabelAuroc({ labels: ['A'], truth: [], scores: [] });
    expect(r.perLabel[0]).toEqual({ label: 'A', auroc: null, positives: 0, negatives: 0 });
  });

  it('accepts flat Float32 matrices (a taxonomy LabelMatrix)', () => {
    const truth = { rows: 4, cols: 1, data: Float32Array.from([0, 1, 0, 1]) };
    const scores = { rows: 4, cols: 1, data: Float32Array.from([0.1, 0.7, 0.8, 0.9]) };
    expect(multilabelAuroc({ labels: ['A'], truth, scores }).perLabel[0]!.auroc).toBe(0.75);
  });

  it('takes one { labels, truth, scores } argument and names a malformed one', () => {
    const truth = [[0], [1], [0], [1]];
    const scores = [[0.1], [0.7], [0.8], [0.9]];
    expect(() => multilabelAuroc({ truth, scores } as never)).toThrow(TypeError);
    expect(() => thresholdMetrics(['A'] as never)).toThrow(
      /thresholdMetrics: expected \{ labels, truth, scores \}/,
    );
  });
});
