import { type LabelledScores, labelledScores } from './labelled-scores.js';
import { asScoreMatrix, checkTruthAndScores } from './matrix.js';

export interface LabelThresholdMetrics {
  label: string;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** Positives in the ground truth (scikit-learn's `support`). */
  support: number;
  accuracy: number;
  /** 0 when nothing is predicted positive (scikit-learn's `zero_division=0`). */
  precision: number;
  /** 0 when the label has no positives. */
  recall: number;
  /** 2·TP / (2·TP + FP + FN); 0 when that is 0/0. */
  f1: number;
}

export interface ThresholdMetrics {
  /** A score counts as positive when it is strictly greater than this (Keras' binary accuracy). */
  threshold: number;
  perLabel: LabelThresholdMetrics[];
  /** Share of correct (image, label) decisions — Keras' `binary_accuracy` over the whole matrix. */
  accuracy: number;
  /** Share of images with every label right — scikit-learn's multilabel `accuracy_score`. */
  subsetAccuracy: number;
  /** scikit-learn `f1_score(average='weighted')`: per-label F1 weighted by support. */
  f1Weighted: number;
  /** scikit-learn `f1_score(average='macro')`. */
  f1Macro: number;
}

/**
 * Accuracy and F1 with predictions thresholded at `threshold` (default 0.5): a score above the
 * threshold is a positive prediction.
 */
export function thresholdMetrics(
  input: LabelledScores,
  options: { threshold?: number } = {},
): ThresholdMetrics {
  const {
    labels,
    truth: truthInput,
    scores: scoresInput,
  } = labelledScores('thresholdMetrics', input);
  const threshold = options.threshold ?? 0.5;
  const truth = asScoreMatrix(truthInput, labels.length, 'truth');
  const scores = asScoreMatrix(scoresInput, labels.length, 'scores');
  checkTruthAndScores(labels, truth, scores);
  const cols = labels.length;
  const tp = new Float64Array(cols);
  const fp = new Float64Array(cols);
  const fn = new Float64Array(cols);
  let exactRows = 0;
  for (let r = 0; r < truth.rows; r++) {
    let allRight = true;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const predicted = scores.data[i]! > threshold;
      const actual = truth.data[i] === 1;
      if (predicted && actual) tp[c]!++;
      else if (predicted) fp[c]!++;
      else if (actual) fn[c]!++;
      if (predicted !== actual) allRight = false;
    }
    if (allRight) exactRows++;
  }
  const n = truth.rows;
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const perLabel = labels.map((label, c) => {
    const t = tp[c]!;
    const f = fp[c]!;
    const m = fn[c]!;
    return {
      label,
      truePositives: t,
      falsePositives: f,
      falseNegatives: m,
      trueNegatives: n - t - f - m,
      support: t + m,
      accuracy: ratio(n - f - m, n),
      precision: ratio(t, t + f),
      recall: ratio(t, t + m),
      f1: ratio(2 * t, 2 * t + f + m),
    };
  });
  const totalSupport = perLabel.reduce((s, l) => s + l.support, 0);
  const wrong = perLabel.reduce((s, l) => s + l.falsePositives + l.falseNegatives, 0);
  return {
    threshold,
    perLabel,
    accuracy: ratio(n * cols - wrong, n * cols),
    subsetAccuracy: ratio(exactRows, n),
    f1Weighted: ratio(
      perLabel.reduce((s, l) => s + l.f1 * l.support, 0),
      totalSupport,
    ),
    f1Macro: ratio(
      perLabel.reduce((s, l) => s + l.f1, 0),
      cols,
    ),
  };
}
