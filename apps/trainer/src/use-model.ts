import path from 'node:path';
import { loadImageBatch } from '@cihmlc/chexpert-data';
import { loadWeights } from '@cihmlc/densenet/node';
import { labelledPrediction, predictWithUncertainty } from '@cihmlc/explain';
import { writeJsonAtomicSync } from '@cihmlc/internal/node';
import { chexpertTaxonomy, type Taxonomy, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import { runCheckpoint, runFolderPaths } from '@cihmlc/training/node';
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from './config.js';
import { type Log, prepareData } from './data.js';
import { evaluateSplit, explainImages, type SplitEvaluation, writeEvaluation } from './outputs.js';
import { buildModel } from './train.js';

/** A run's model loaded for a command (evaluate, explain, predict, export). */
export interface RunModel {
  runDir: string;
  config: RunConfig;
  /** The checkpoint as asked (best-loss, best-auroc, last or a folder) and its folder. */
  checkpoint: string;
  dir: string;
  model: tf.LayersModel;
  taxonomy: Taxonomy;
  log: Log;
  out?: string | undefined;
}

/**
 * The run's model with the weights of `checkpoint`; a missing checkpoint or one of other outputs
 * is a clear error.
 */
export async function loadRunModel(
  run: Pick<RunModel, 'runDir' | 'config' | 'checkpoint' | 'log' | 'out'>,
): Promise<RunModel> {
  const { config } = run;
  const dir = runCheckpoint(runFolderPaths(run.runDir), run.checkpoint);
  const taxonomy = taxonomyForLabelSet(chexpertTaxonomy, config.labelSet);
  const model = buildModel(config);
  try {
    await loadWeights(model, dir);
  } catch (err) {
    model.dispose();
    throw new Error(
      `checkpoint ${dir} does not fit a ${config.variant} model with the ${taxonomy.outputLabels.length} outputs of label set ${config.labelSet}: ${(err as Error).message}`,
    );
  }
  return { ...run, dir, model, taxonomy };
}

async function readImages(files: string[], size: number): Promise<tf.Tensor4D> {
  const { images, shape } = await loadImageBatch(files, size);
  return tf.tensor4d(images, shape);
}

export async function evaluateCommand(run: RunModel, cacheRoot: string, split: string) {
  const { model, taxonomy, config, runDir, checkpoint } = run;
  const { cache } = await prepareData(config, cacheRoot, run.log);
  const out = run.out ?? path.join(runDir, `evaluation-${path.basename(checkpoint)}-${split}`);
  let result: SplitEvaluation;
  try {
    const name = `${path.basename(runDir)} ${checkpoint} ${split}`;
    result = await evaluateSplit(model, cache, split, taxonomy, name);
    await writeEvaluation(out, [result], cache, split, config.data);
  } finally {
    await cache.close();
  }
  const a = result.evaluation.average;
  const f = (v: number | null) => v?.toFixed(4) ?? 'n/a';
  run.log(`${split}: weighted AUROC ${f(a.weighted)} · macro ${f(a.macro)} · micro ${f(a.micro)}`);
  run.log(`tables and plots: ${out}`);
}

export async function explainCommand(run: RunModel, files: string[]): Promise<void> {
  const images = await readImages(files, run.config.imageSize);
  const out = run.out ?? path.join(run.runDir, 'explain-images');
  const outputLabels = run.taxonomy.outputLabels;
  const result = await explainImages(run.model, images, out, files, run.config, outputLabels);
  images.dispose();
  for (const img of result.images) {
    run.log(`${img.path}: ${img.grid}`);
    for (const u of img.uncertainty)
      run.log(`  ${u.label}: ${u.mean.toFixed(3)}±${u.std.toFixed(3)}`);
  }
}

export async function predictCommand(run: RunModel, files: string[], consistent: boolean) {
  const images = await readImages(files, run.config.imageSize);
  const { mcSamples: samples, seed } = run.config;
  const options = { samples, seed, taxonomy: run.taxonomy, consistent };
  const prediction = await predictWithUncertainty(run.model, images, options);
  images.dispose();
  const result = {
    checkpoint: run.dir,
    consistent,
    images: files.map((file, i) => ({ path: file, ...labelledPrediction(prediction, i) })),
  };
  if (run.out) {
    writeJsonAtomicSync(run.out, result);
    run.log(`predictions: ${run.out}`);
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
}
