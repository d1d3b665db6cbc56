import path from 'node:path';
import { assertDatasetFiles } from '@cihmlc/chexpert-data';
import { loadWeights } from '@cihmlc/densenet/node';
import { readJsonFile, writeJsonAtomicSync } from '@cihmlc/internal/node';
import type { LabelMatrix } from '@cihmlc/taxonomy';
import { summarizeTraining, type TrainingSummary } from '@cihmlc/training';
import { acquireRunLock, isRunComplete } from '@cihmlc/training/node';
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from './config.js';
import { type Log, prepareData } from './data.js';
import { evaluateSplit, explainImages, type SplitEvaluation, writeEvaluation } from './outputs.js';
import { openRunDir } from './run-dir.js';
import { type TrainHooks, train } from './train.js';

/** The averages a run's summary keeps of a test-split evaluation. */
const testMetrics = ({ evaluation: { average, violations } }: SplitEvaluation) => ({
  weightedAuroc: average.weighted,
  macroAuroc: average.macro,
  microAuroc: average.micro,
  imageViolationRate: violations?.imageRate ?? null,
});
type TestMetrics = ReturnType<typeof testMetrics>;

export interface RunSummary extends TrainingSummary {
  runDir: string;
  config: RunConfig;
  backend: string;
  /** Test-split metrics of the best-validation-loss weights (the paper's model). */
  test: { checkpoint: string } & TestMetrics;
  /** The same for the best-validation-AUROC weights. */
  testBestAuroc: TestMetrics;
  outputs: { evaluation: string; explain: string; log: string; predictions: string };
  finishedAt: string;
}

export interface RunOptions extends TrainHooks {
  cacheRoot: string;
  backend: string;
  log: Log;
  stealLock?: boolean;
}

/**
 * One complete run: data, training (resumable), evaluation of the best checkpoints on the test
 * split, Grad-CAM and MC-dropout outputs, and `summary.json`, which is written last and marks
 * the run complete. A complete run is not trained again.
 */
export async function runOne(
  config: RunConfig,
  runDir: string,
  options: RunOptions,
): Promise<RunSummary> {
  const log = options.log;
  assertDatasetFiles(config.data);
  const paths = openRunDir(runDir, config);
  if (isRunComplete(paths)) {
    log(`${runDir}: already complete`);
    return readJsonFile<RunSummary>(paths.summary);
  }
  const release = acquireRunLock(paths, { steal: options.stealLock ?? false });
  try {
    const started = Date.now();
    const { cache, taxonomy } = await prepareData(config, options.cacheRoot, log);
    try {
      const labels = taxonomy.outputLabels;
      log(
        `train ${cache.splits.train!.count} · valid ${cache.splits.valid!.count} · test ${cache.splits.test!.count} images · ${labels.length} outputs · ${config.variant} at ${config.imageSize}px`,
      );
      const { state, model } = await train(config, paths, cache, taxonomy, log, options);

      // Evaluate the best-validation-AUROC weights (when they are another epoch's), then the
      // best-loss weights (Keras's restore_best_weights), which stay loaded for the explanations.
      const test = cache.splits.test!;
      const evaluateWith = async (dir: string, name: string) => {
        await loadWeights(model, dir);
        return evaluateSplit(model, cache, 'test', taxonomy, name, Math.max(config.batchSize, 64));
      };
      const name = path.basename(runDir);
      const sameEpoch = state.schedule.bestValAurocEpoch === state.schedule.bestValLossEpoch;
      const byAuroc = sameEpoch
        ? undefined
        : await evaluateWith(paths.bestAuroc, `${name} (best val AUROC)`);
      const byLoss = await evaluateWith(paths.bestLoss, name);
      const runs = byAuroc ? [byLoss, byAuroc] : [byLoss];
      const predictions = await writeEvaluation(paths.evaluation, runs, cache, 'test', config.data);
      const weighted = (r: SplitEvaluation) => r.evaluation.average.weighted?.toFixed(4) ?? 'n/a';
      log(
        `test weighted AUROC ${weighted(byLoss)} (best-loss weights), ${weighted(byAuroc ?? byLoss)} (best-AUROC weights)`,
      );

      // Four test images explained with Grad-CAM and MC dropout.
      const picked = pickExplainImages(test.labels, Math.min(4, test.count));
      const arrays = await cache.loadBatch('test', picked);
      const images = tf.tensor4d(arrays.images, arrays.shape);
      const pickedPaths = picked.map((i) => test.paths[i]!);
      await explainImages(model, images, paths.explain, pickedPaths, config, labels);
      images.dispose();
      model.dispose();

      const summary: RunSummary = {
        runDir,
        config,
        backend: options.backend,
        ...summarizeTraining(state),
        test: { checkpoint: paths.bestLoss, ...testMetrics(byLoss) },
        testBestAuroc: testMetrics(byAuroc ?? byLoss),
        outputs: {
          evaluation: paths.evaluation,
          explain: paths.explain,
          log: paths.log,
          predictions,
        },
        finishedAt: new Date().toISOString(),
      };
      writeJsonAtomicSync(paths.summary, summary);
      log(`run complete in ${((Date.now() - started) / 1000).toFixed(0)} s: ${runDir}`);
      return summary;
    } finally {
      await cache.close();
    }
  } finally {
    release();
  }
}

/** Test images to explain: the ones with the most positive findings first (more to look at). */
function pickExplainImages(truth: LabelMatrix, count: number): number[] {
  const positives = Array.from({ length: truth.rows }, (_, r) => {
    let n = 0;
    for (let c = 0; c < truth.cols; c++) n += truth.data[r * truth.cols + c]!;
    return { r, n };
  });
  positives.sort((a, b) => b.n - a.n || a.r - b.r);
  return positives.slice(0, count).map((p) => p.r);
}
