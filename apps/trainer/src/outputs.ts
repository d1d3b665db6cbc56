import path from 'node:path';
import type { Cache, DatasetSource } from '@cihmlc/chexpert-data';
import { writeExplanations } from '@cihmlc/explain/node';
import { writeJsonAtomicSync } from '@cihmlc/internal/node';
import { type Evaluation, evaluate, type ReportOptions, rocPlotCurves } from '@cihmlc/metrics';
import { writePredictionsFile, writeReport } from '@cihmlc/metrics/node';
import type { LabelMatrix, Taxonomy } from '@cihmlc/taxonomy';
import { predictBatches } from '@cihmlc/training';
import type * as tf from '@tensorflow/tfjs';
import type { RunConfig } from './config.js';

export interface SplitEvaluation {
  name: string;
  evaluation: Evaluation;
  predictions: LabelMatrix;
}

/** Predicts a split (batches of at least 64) and evaluates it with everything @cihmlc/metrics reports. */
export async function evaluateSplit(
  model: tf.LayersModel,
  cache: Cache,
  split: string,
  taxonomy: Taxonomy,
  name: string,
  batchSize = 64,
): Promise<SplitEvaluation> {
  const info = cache.splits[split];
  if (!info)
    throw new Error(`the cache has no split "${split}" (${Object.keys(cache.splits).join(', ')})`);
  const batches = cache.batches({ split, batchSize, shuffle: false, augment: false });
  const predictions = await predictBatches(model, batches, { rows: info.count });
  const evaluation = evaluate(
    { labels: taxonomy.outputLabels, truth: info.labels, scores: predictions },
    { taxonomy: taxonomy.edges.length ? taxonomy : null },
  );
  return { name, evaluation, predictions };
}

/**
 * What report.md says first about the data behind it: Table III's published rows are CheXpert
 * results, so a run on the synthetic dataset must not read as comparable to them.
 */
export function reportOptions(data: DatasetSource): ReportOptions {
  return data.kind === 'synthetic'
    ? {
        note: '> **Synthetic data.** These numbers come from the generated CheXpert-format dataset (@cihmlc/chexpert-data), not from CheXpert: they check the pipeline and are not comparable with the published CheXpert results in Table III.',
        comparableWithPublished: false,
      }
    : {};
}

/** The evaluation.json in an evaluation folder (a run's `evaluation/`): the first run's metrics. */
export const evaluationFile = (dir: string) => path.join(dir, 'evaluation.json');

/**
 * Writes tables, per-label CSV, metrics JSON and ROC plots of evaluated runs of one split into
 * `dir`, and the first run's `evaluation.json` and `<split>-predictions.csv` (which
 * `cihmlc-metrics` reads).
 */
export async function writeEvaluation(
  dir: string,
  runs: SplitEvaluation[],
  cache: Cache,
  split: string,
  data: DatasetSource,
): Promise<string> {
  const { labels: truth, paths } = cache.splits[split]!;
  const labels = cache.outputLabels;
  const curves = (r: SplitEvaluation) => rocPlotCurves({ labels, truth, scores: r.predictions });
  const reported = runs.map((r) => ({ name: r.name, evaluation: r.evaluation, curves: curves(r) }));
  await writeReport(dir, reported, reportOptions(data));
  writeJsonAtomicSync(evaluationFile(dir), runs[0]!.evaluation);
  const file = path.join(dir, `${split}-predictions.csv`);
  writePredictionsFile(file, { paths, labels, truth, scores: runs[0]!.predictions });
  return file;
}

/** Grad-CAM grids and MC-dropout mean±std of `images` into `out` (the run's passes and seed). */
export function explainImages(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  out: string,
  paths: string[],
  config: RunConfig,
  outputLabels: readonly string[],
) {
  return writeExplanations(model, images, out, {
    paths,
    outputLabels,
    samples: config.mcSamples,
    seed: config.seed,
    perLabelPngs: true,
  });
}
