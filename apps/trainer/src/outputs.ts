import type { Cache } from '@cihmlc/chexpert-data';
import { type Evaluation, evaluate, type ReportOptions, rocPlotCurves } from '@cihmlc/metrics';
import { writeReport } from '@cihmlc/metrics/node';
import type { LabelMatrix, Taxonomy } from '@cihmlc/taxonomy';
import { predictBatches } from '@cihmlc/training';
import type * as tf from '@tensorflow/tfjs';
import type { DataConfig } from './config.js';

export interface SplitEvaluation {
  name: string;
  evaluation: Evaluation;
  predictions: LabelMatrix;
}

/** Predicts a split and evaluates it with everything @cihmlc/metrics reports. */
export async function evaluateSplit(
  model: tf.LayersModel,
  cache: Cache,
  split: string,
  taxonomy: Taxonomy,
  batchSize: number,
  name: string,
): Promise<SplitEvaluation> {
  const info = cache.splits[split];
  if (!info) throw new Error(`the cache has no split "${split}"`);
  const batches = cache.batches({ split, batchSize, shuffle: false, augment: false });
  const predictions = await predictBatches(model, batches, { rows: info.count });
  const truth = info.labels;
  const evaluation = evaluate(
    { labels: taxonomy.outputLabels, truth, scores: predictions },
    { taxonomy: taxonomy.edges.length ? taxonomy : null },
  );
  return { name, evaluation, predictions };
}

/**
 * What report.md says first about the data behind it: Table III's published rows are CheXpert
 * results, so a run on the synthetic dataset must not read as comparable to them.
 */
export function dataNote(data: DataConfig): string | undefined {
  return data.kind === 'synthetic'
    ? '> **Synthetic data.** These numbers come from the generated CheXpert-format dataset (@cihmlc/chexpert-data), not from CheXpert: they check the pipeline and are not comparable with the published CheXpert results in Table III.'
    : undefined;
}

/** The report options that say where the data came from (@cihmlc/metrics writes them). */
export function reportOptions(data: DataConfig): ReportOptions {
  const note = dataNote(data);
  return note ? { note, comparableWithPublished: false } : {};
}

/** Writes tables, per-label CSV, metrics JSON and ROC plots for evaluated runs into `dir`. */
export async function writeEvaluation(
  dir: string,
  runs: SplitEvaluation[],
  labels: readonly string[],
  truth: LabelMatrix,
  data: DataConfig,
): Promise<string[]> {
  return writeReport(
    dir,
    runs.map((r) => ({
      name: r.name,
      evaluation: r.evaluation,
      curves: rocPlotCurves({ labels, truth, scores: r.predictions }),
    })),
    reportOptions(data),
  );
}
