import fs from 'node:fs';
import path from 'node:path';
import { type ModelFolderManifest, modelFolderManifest } from '@cihmlc/densenet';
import { writeModelFolder } from '@cihmlc/densenet/node';
import { readJsonFile } from '@cihmlc/internal/node';
import type { Evaluation } from '@cihmlc/metrics';
import { runFolderPaths } from '@cihmlc/training/node';
import { evaluationFile } from './outputs.js';
import type { RunSummary } from './run.js';
import type { RunModel } from './use-model.js';

function readOptional<T>(file: string): T | null {
  return fs.existsSync(file) ? readJsonFile<T>(file) : null;
}

/** The manifest of a run's model folder: what the viewer needs, and the run's results. */
function manifestOf({ runDir, config, taxonomy, checkpoint }: RunModel): ModelFolderManifest {
  const paths = runFolderPaths(runDir);
  const summary = readOptional<RunSummary>(paths.summary);
  const evaluation = readOptional<Evaluation>(evaluationFile(paths.evaluation));
  // Without the summary's checkpoint: an absolute path of the training machine.
  const { checkpoint: _, ...test } = summary?.test ?? { checkpoint: '' };
  return modelFolderManifest({
    labels: taxonomy.outputLabels,
    labelSet: config.labelSet,
    taxonomy,
    inputShape: [config.imageSize, config.imageSize, 3],
    mcDropout: { samples: config.mcSamples, seed: config.seed },
    variant: config.variant,
    run: { name: path.basename(runDir), checkpoint, exportedAt: new Date().toISOString() },
    metrics: {
      test: summary ? test : null,
      bestValLoss: summary?.bestValLoss ?? null,
      bestValAuroc: summary?.bestValAuroc ?? null,
      epochs: summary?.epochs ?? null,
      perLabelAuroc: evaluation
        ? Object.fromEntries(evaluation.perLabel.map((l) => [l.label, l.auroc]))
        : null,
    },
  });
}

/**
 * Writes a run's model (best-validation-loss weights by default) as a model folder
 * (`@cihmlc/densenet`'s `writeModelFolder`: `out/model.json` + shards and `out/cihmlc-model.json`
 * with labels, taxonomy, input size, preprocessing, the run's metrics): a folder a browser loads as
 * it is (apps/viewer, `loadModelFolder`).
 */
export async function exportRun(run: RunModel & { out: string }): Promise<ModelFolderManifest> {
  const { runDir, config, checkpoint } = run;
  const manifest = manifestOf(run);
  await writeModelFolder(run.model, run.out, manifest);
  run.log(
    `exported ${path.basename(runDir)} (${checkpoint}, ${config.variant} at ${config.imageSize}px, ${manifest.labels.length} outputs) to ${run.out}`,
  );
  return manifest;
}
