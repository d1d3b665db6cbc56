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

interface ModelCommand {
  runDir: string;
  config: RunConfig;
  cacheRoot: string;
  backend: string;
  log: Log;
  checkpoint: string;
  out?: string;
}

/**
 * The run's model with the weights of `checkpoint` (best-loss, best-auroc, last or a folder); a
 * missing checkpoint or one of other outputs is a clear error.
 */
export async function loadRunModel(
  config: RunConfig,
  runDir: string,
  checkpoint: string,
): Promise<{ model: tf.LayersModel; taxonomy: Taxonomy; dir: string }> {
  const dir = runCheckpoint(runFolderPaths(runDir), checkpoint);
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
  return { model, taxonomy, dir };
}

async function readImages(files: string[], size: number): Promise<tf.Tensor4D> {
  const { images, shape } = await loadImageBatch(files, size);
  return tf.tensor4d(images, shape);
}

export async function evaluateCommand(cmd: ModelCommand & { split: string }): Promise<void> {
  const { model, taxonomy } = await loadRunModel(cmd.config, cmd.runDir, cmd.checkpoint);
  const { cache } = await prepareData(cmd.config, cmd.cacheRoot, cmd.log);
  const name = `${path.basename(cmd.runDir)} ${cmd.checkpoint} ${cmd.split}`;
  const out =
    cmd.out ?? path.join(cmd.runDir, `evaluation-${path.basename(cmd.checkpoint)}-${cmd.split}`);
  let result: SplitEvaluation;
  try {
    result = await evaluateSplit(model, cache, cmd.split, taxonomy, name);
    await writeEvaluation(out, [result], cache, cmd.split, cmd.config.data);
  } finally {
    model.dispose();
    await cache.close();
  }
  const a = result.evaluation.average;
  const f = (v: number | null) => v?.toFixed(4) ?? 'n/a';
  cmd.log(
    `${cmd.split}: weighted AUROC ${f(a.weighted)} · macro ${f(a.macro)} · micro ${f(a.micro)}`,
  );
  cmd.log(`tables and plots: ${out}`);
}

export async function explainCommand(cmd: ModelCommand & { images: string[] }): Promise<void> {
  const { model, taxonomy } = await loadRunModel(cmd.config, cmd.runDir, cmd.checkpoint);
  const images = await readImages(cmd.images, cmd.config.imageSize);
  const out = cmd.out ?? path.join(cmd.runDir, 'explain-images');
  const result = await explainImages(
    model,
    images,
    out,
    cmd.images,
    cmd.config,
    taxonomy.outputLabels,
  );
  for (const img of result.images) {
    cmd.log(`${img.path}: ${img.grid}`);
    for (const u of img.uncertainty)
      cmd.log(`  ${u.label}: ${u.mean.toFixed(3)}±${u.std.toFixed(3)}`);
  }
  images.dispose();
  model.dispose();
}

export async function predictCommand(
  cmd: ModelCommand & { images: string[]; consistent: boolean },
): Promise<void> {
  const { model, taxonomy, dir } = await loadRunModel(cmd.config, cmd.runDir, cmd.checkpoint);
  const images = await readImages(cmd.images, cmd.config.imageSize);
  const prediction = await predictWithUncertainty(model, images, {
    samples: cmd.config.mcSamples,
    seed: cmd.config.seed,
    taxonomy,
    consistent: cmd.consistent,
  });
  const result = {
    checkpoint: dir,
    consistent: cmd.consistent,
    images: cmd.images.map((file, i) => ({ path: file, ...labelledPrediction(prediction, i) })),
  };
  if (cmd.out) {
    writeJsonAtomicSync(cmd.out, result);
    cmd.log(`predictions: ${cmd.out}`);
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
  images.dispose();
  model.dispose();
}
