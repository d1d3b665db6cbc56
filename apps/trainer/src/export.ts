import fs from 'node:fs';
import path from 'node:path';
import { GRADCAM_LAYER_NAME } from '@cihmlc/densenet';
import { saveModel } from '@cihmlc/densenet/node';
import type { Taxonomy } from '@cihmlc/taxonomy';
import { runFolderPaths } from '@cihmlc/training/node';
import { readJson, writeJsonAtomic } from './atomic.js';
import type { RunConfig } from './config.js';
import type { Log } from './data.js';
import { loadRunModel } from './use-model.js';

/** The JSON an export writes next to model.json: what a viewer needs to use the model. */
export const EXPORT_MANIFEST = 'cihmlc-model.json';
export const EXPORT_FORMAT = 'cihmlc-model';
export const EXPORT_VERSION = 1;

/** How an image becomes the model input (the training pipeline's, in words and switches). */
export const PREPROCESSING = {
  /** `@cihmlc/chexpert-data/preprocess`'s `preprocessRgba` does exactly this. */
  function: '@cihmlc/chexpert-data/preprocess#preprocessRgba',
  decode: 'PNG/JPEG to RGBA; grayscale (R = G = B everywhere) kept as one channel, replicated to 3',
  resize: 'bilinear, half-pixel centres, no antialiasing, aspect ratio not kept, rounded to uint8',
  scale: 'x / 255 (float32 in [0, 1]), no mean/std normalisation',
  layout: 'NHWC [1, size, size, 3]',
} as const;

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: number;
  /** model.json beside this file (TF.js layers format). */
  model: string;
  /** The model's outputs, in order. */
  labels: string[];
  labelSet: string;
  /** The hierarchy (parents, children, derived labels) as @cihmlc/taxonomy's JSON. */
  taxonomy: Taxonomy;
  /** [height, width, channels]. */
  inputShape: [number, number, 3];
  preprocessing: typeof PREPROCESSING;
  gradCamLayer: string;
  mcDropout: { samples: number; seed: number };
  variant: string;
  run: { name: string; checkpoint: string; exportedAt: string };
  /** The run's results where it finished them (summary.json, evaluation/evaluation.json). */
  metrics: {
    test: Record<string, unknown> | null;
    bestValLoss: { epoch: number; value: number } | null;
    bestValAuroc: { epoch: number; value: number } | null;
    epochs: number | null;
    perLabelAuroc: Record<string, number | null> | null;
  };
}

export interface ExportOptions {
  runDir: string;
  out: string;
  /** best-loss (default, the paper's model), best-auroc, last, or a checkpoint directory. */
  checkpoint?: string;
  log?: Log;
}

function readOptional<T>(file: string): T | null {
  return fs.existsSync(file) ? readJson<T>(file) : null;
}

/**
 * Writes a run's model (best-validation-loss weights by default) in the TF.js layers format
 * (`out/model.json` + shards) and `out/cihmlc-model.json` (labels, taxonomy, input size,
 * preprocessing, the run's metrics): a folder a browser loads as it is (apps/viewer).
 */
export async function exportRun(options: ExportOptions): Promise<ExportManifest> {
  const runDir = path.resolve(options.runDir);
  const out = path.resolve(options.out);
  const checkpoint = options.checkpoint ?? 'best-loss';
  const configFile = path.join(runDir, 'config.json');
  if (!fs.existsSync(configFile)) {
    throw new Error(`export: ${runDir} is not a run directory (no config.json)`);
  }
  const config = readJson<RunConfig>(configFile);
  let loaded: Awaited<ReturnType<typeof loadRunModel>>;
  try {
    loaded = await loadRunModel(config, runDir, checkpoint);
  } catch (err) {
    throw new Error(`export: ${(err as Error).message}`);
  }
  const { model, taxonomy } = loaded;
  try {
    await saveModel(model, out);
  } finally {
    model.dispose();
  }

  const paths = runFolderPaths(runDir);
  const summary = readOptional<{
    test?: Record<string, unknown>;
    bestValLoss?: { epoch: number; value: number };
    bestValAuroc?: { epoch: number; value: number };
    epochs?: number;
  }>(paths.summary);
  const evaluation = readOptional<{ perLabel?: { label: string; auroc: number | null }[] }>(
    path.join(paths.evaluation, 'evaluation.json'),
  );
  const test = summary?.test ? { ...summary.test } : null;
  if (test) delete test.checkpoint; // an absolute path of the training machine
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    model: 'model.json',
    labels: taxonomy.outputLabels,
    labelSet: config.labelSet,
    taxonomy,
    inputShape: [config.imageSize, config.imageSize, 3],
    preprocessing: PREPROCESSING,
    gradCamLayer: GRADCAM_LAYER_NAME,
    mcDropout: { samples: config.mcSamples, seed: config.seed },
    variant: config.variant,
    run: { name: path.basename(runDir), checkpoint, exportedAt: new Date().toISOString() },
    metrics: {
      test,
      bestValLoss: summary?.bestValLoss ?? null,
      bestValAuroc: summary?.bestValAuroc ?? null,
      epochs: summary?.epochs ?? null,
      perLabelAuroc: evaluation?.perLabel
        ? Object.fromEntries(evaluation.perLabel.map((l) => [l.label, l.auroc]))
        : null,
    },
  };
  writeJsonAtomic(path.join(out, EXPORT_MANIFEST), manifest);
  options.log?.(
    `exported ${path.basename(runDir)} (${checkpoint}, ${config.variant} at ${config.imageSize}px, ${manifest.labels.length} outputs) to ${out}`,
  );
  return manifest;
}
