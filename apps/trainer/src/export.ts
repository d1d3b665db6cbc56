import fs from 'node:fs';
import path from 'node:path';
import {
  GRADCAM_LAYER_NAME,
  MODEL_FOLDER_FORMAT,
  MODEL_FOLDER_PREPROCESSING,
  MODEL_FOLDER_VERSION,
  type ModelFolderBest,
  type ModelFolderManifest,
} from '@cihmlc/densenet';
import { writeModelFolder } from '@cihmlc/densenet/node';
import { readJsonFile } from '@cihmlc/internal/node';
import type { Taxonomy } from '@cihmlc/taxonomy';
import { runFolderPaths } from '@cihmlc/training/node';
import type { RunConfig } from './config.js';
import type { RunModel } from './use-model.js';

function readOptional<T>(file: string): T | null {
  return fs.existsSync(file) ? readJsonFile<T>(file) : null;
}

/** The manifest of a run's model folder: what the viewer needs, and the run's results. */
function manifestOf(
  runDir: string,
  config: RunConfig,
  taxonomy: Taxonomy,
  checkpoint: string,
): ModelFolderManifest {
  const paths = runFolderPaths(runDir);
  const summary = readOptional<{
    test?: Record<string, unknown>;
    bestValLoss?: ModelFolderBest;
    bestValAuroc?: ModelFolderBest;
    epochs?: number;
  }>(paths.summary);
  const evaluation = readOptional<{ perLabel?: { label: string; auroc: number | null }[] }>(
    path.join(paths.evaluation, 'evaluation.json'),
  );
  const test = summary?.test ? { ...summary.test } : null;
  if (test) delete test.checkpoint; // an absolute path of the training machine
  return {
    format: MODEL_FOLDER_FORMAT,
    version: MODEL_FOLDER_VERSION,
    model: 'model.json',
    labels: taxonomy.outputLabels,
    labelSet: config.labelSet,
    taxonomy,
    inputShape: [config.imageSize, config.imageSize, 3],
    preprocessing: MODEL_FOLDER_PREPROCESSING,
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
}

/**
 * Writes a run's model (best-validation-loss weights by default) as a model folder
 * (`@cihmlc/densenet`'s `writeModelFolder`: `out/model.json` + shards and `out/cihmlc-model.json`
 * with labels, taxonomy, input size, preprocessing, the run's metrics): a folder a browser loads as
 * it is (apps/viewer, `loadModelFolder`).
 */
export async function exportRun(run: RunModel & { out: string }): Promise<ModelFolderManifest> {
  const { runDir, config, checkpoint } = run;
  const manifest = manifestOf(runDir, config, run.taxonomy, checkpoint);
  await writeModelFolder(run.model, run.out, manifest);
  run.log(
    `exported ${path.basename(runDir)} (${checkpoint}, ${config.variant} at ${config.imageSize}px, ${manifest.labels.length} outputs) to ${run.out}`,
  );
  return manifest;
}
