import { chexpertTaxonomy, type Taxonomy } from '@cihmlc/taxonomy';
import { type RocCurve, type RocCurveOptions, rocCurve } from './auroc.js';
import type { LabelledScores } from './labelled-scores.js';
import { asScoreMatrix, column } from './matrix.js';
import { type AurocAverages, type LabelAuroc, multilabelAuroc } from './multilabel-auroc.js';
import { type ThresholdMetrics, thresholdMetrics } from './threshold-metrics.js';
import { taxonomyForLabels, type ViolationRates, violationRates } from './violations.js';

/** Column labels with their ground truth and scores (the input of every metric here). */
export type EvaluationInput = LabelledScores;

export interface EvaluateOptions {
  /** Decision threshold of accuracy, F1 and hierarchy violations (default 0.5). */
  threshold?: number;
  /**
   * Taxonomy for hierarchy violations (default `chexpertTaxonomy`); `null` skips them. They are
   * computed only when every label belongs to the taxonomy.
   */
  taxonomy?: Taxonomy | null;
}

export interface Evaluation {
  labels: string[];
  images: number;
  perLabel: LabelAuroc[];
  average: AurocAverages;
  /** Labels with a single class in the ground truth: AUROC `null`, left out of the averages. */
  undefinedLabels: string[];
  thresholdMetrics: ThresholdMetrics;
  /** `null` when the labels are not all labels of the taxonomy. */
  violations: ViolationRates | null;
}

/**
 * Everything the paper reports for one prediction matrix: per-label AUROC, the macro / weighted /
 * micro averages, accuracy and F1 at the threshold, and hierarchy-violation rates.
 */
export function evaluate(input: EvaluationInput, options: EvaluateOptions = {}): Evaluation {
  const labels = [...input.labels];
  const truth = asScoreMatrix(input.truth, labels.length, 'truth');
  const scores = asScoreMatrix(input.scores, labels.length, 'scores');
  const threshold = options.threshold ?? 0.5;
  const auroc = multilabelAuroc({ labels, truth, scores });
  const taxonomy =
    options.taxonomy === null
      ? null
      : taxonomyForLabels(labels, options.taxonomy ?? chexpertTaxonomy);
  return {
    labels,
    images: truth.rows,
    perLabel: auroc.perLabel,
    average: auroc.average,
    undefinedLabels: auroc.undefinedLabels,
    thresholdMetrics: thresholdMetrics({ labels, truth, scores }, { threshold }),
    violations: taxonomy ? violationRates({ labels, scores, taxonomy }, { threshold }) : null,
  };
}

/** ROC curve points of every label whose AUROC is defined (label → curve), see `rocCurve`. */
export function rocCurves(
  input: EvaluationInput,
  options: RocCurveOptions = {},
): Map<string, RocCurve> {
  const truth = asScoreMatrix(input.truth, input.labels.length, 'truth');
  const scores = asScoreMatrix(input.scores, input.labels.length, 'scores');
  const curves = new Map<string, RocCurve>();
  input.labels.forEach((label, c) => {
    const t = column(truth, c);
    let positives = 0;
    for (const x of t) positives += x;
    if (positives === 0 || positives === t.length) return;
    curves.set(label, rocCurve(t, column(scores, c), options));
  });
  return curves;
}

/** The `--json` summary: `{ perLabel: { <label>: { auroc, positives } }, average, violations }`. */
export interface MetricsSummary {
  perLabel: Record<string, { auroc: number | null; positives: number }>;
  average: AurocAverages;
  violations: ViolationRates | null;
}

export function summarize(evaluation: Evaluation): MetricsSummary {
  const perLabel: MetricsSummary['perLabel'] = {};
  for (const l of evaluation.perLabel)
    perLabel[l.label] = { auroc: l.auroc, positives: l.positives };
  return { perLabel, average: { ...evaluation.average }, violations: evaluation.violations };
}
