import fs from 'node:fs';
import type { Cache } from '@cihmlc/chexpert-data';
import { createClassifier } from '@cihmlc/densenet';
import { dataDrivenPenalties, hbceLoss } from '@cihmlc/hbce-loss';
import { captureTrainingStep, fusedAdam } from '@cihmlc/runtime';
import { chexpertTaxonomy, type Taxonomy, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import { type EpochRecord, fit, type TrainingState } from '@cihmlc/training';
import {
  findCheckpoint,
  type RunFolder,
  readCheckpointState,
  runFolderCheckpoints,
} from '@cihmlc/training/node';
import type * as tf from '@tensorflow/tfjs';
import type { RunConfig } from './config.js';
import type { Log } from './data.js';
import { formatDuration, ProgressBar } from './progress.js';

/** The run's classifier: the config's DenseNet and head, one output per label of its label set. */
export function buildModel(config: RunConfig): tf.LayersModel {
  return createClassifier({
    ...config, // its variant, headFilters, denseUnits, batchNormMomentum and seed
    inputShape: [config.imageSize, config.imageSize, 3],
    numOutputs: taxonomyForLabelSet(chexpertTaxonomy, config.labelSet).outputLabels.length,
  });
}

export interface TrainHooks {
  /** Checked between batches and epochs. */
  signal?: AbortSignal;
  /** Called after each epoch's checkpoints are written. */
  onEpochEnd?: (record: EpochRecord) => void;
}

/**
 * Trains one run in `paths.dir` with @cihmlc/training's `fit`, resuming from its last
 * checkpoint: the cache's seeded, augmented batches, the data-driven penalties (kept in the
 * checkpoint's state), the config's schedule, three checkpoints and `metrics.jsonl`, with a
 * progress bar and a time estimate.
 */
export async function train(
  config: RunConfig,
  paths: RunFolder,
  cache: Cache,
  taxonomy: Taxonomy,
  log: Log,
  hooks: TrainHooks = {},
): Promise<{ state: TrainingState; model: tf.LayersModel }> {
  const trainSplit = cache.splits.train!;
  const model = buildModel(config);
  // tf.train.adam's update, one kernel per variable where the backend has it (@cihmlc/runtime).
  const optimizer = fusedAdam(config.learningRate);

  // The data-driven penalties of a resumed run are the ones its checkpoint saved.
  const resumeFrom = findCheckpoint(paths.last);
  const penalties = resumeFrom
    ? ((readCheckpointState<TrainingState>(resumeFrom).penalties ?? null) as number[] | null)
    : config.penalty === 'data-driven'
      ? dataDrivenPenalties(trainSplit.labels, taxonomy, { formula: config.penaltyFormula })
      : null;
  const loss = hbceLoss({
    ...config, // its penalty, lambda, beta and fixedIgnoresLambda
    taxonomy,
    ...(penalties ? { penalties } : {}),
    mode: config.lossMode,
    // Values come from our own cache and sigmoid outputs; fit checks the loss it reads back
    // instead of a synchronous read per step.
    checkValues: false,
  });
  if (penalties) {
    const [low, high] = [Math.min(...penalties), Math.max(...penalties)];
    log(`data-driven penalties: ${low.toFixed(3)}–${high.toFixed(3)} (λ = ${config.lambda})`);
  }

  const { batchSize, augment } = config;
  const validBatch = Math.max(batchSize, 64);
  const batchesPerEpoch = Math.ceil(trainSplit.count / batchSize);
  const steps = Math.min(config.maxBatchesPerEpoch || Infinity, batchesPerEpoch);
  let bar: ProgressBar | null = null;
  let estimated = false;
  let firstStepDone = 0;
  // On failure or interruption nothing of this run stays in memory (embedders call runCli again).
  let state: TrainingState;
  try {
    ({ state } = await fit({
      model,
      loss,
      optimizer,
      train: ({ epoch, seed }) =>
        cache.batches({ split: 'train', batchSize, seed, epoch, shuffle: true, augment }),
      valid: () => cache.batches({ split: 'valid', batchSize: validBatch, shuffle: false }),
      // The config's learningRate, lrFactor, lrPatience, minLearningRate, earlyStoppingPatience, epochs.
      schedule: config,
      seed: config.seed,
      outputLabels: taxonomy.outputLabels,
      checkpoints: runFolderCheckpoints(paths),
      extra: { penalties },
      ...(config.maxBatchesPerEpoch ? { maxStepsPerEpoch: config.maxBatchesPerEpoch } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(config.replay ? { replay: { capture: captureTrainingStep } } : {}),
      onReplay: ({ epoch, step, event, reason }) =>
        log(
          event === 'released'
            ? 'step replay: released'
            : `step replay (epoch ${epoch + 1}, step ${step + 1}): ${event}${reason ? ` — ${reason}` : ''}`,
        ),
      onResume: (s) => log(`resuming from ${resumeFrom} after epoch ${s.epochs}`),
      onEpochStart: (epoch) => {
        bar = new ProgressBar(`epoch ${epoch + 1}/${config.epochs}`, steps);
      },
      onStep: ({ epoch, step, images, meanLoss }) => {
        if (step === 1) {
          firstStepDone = Date.now();
          // Kernel compilation happens here (the GPU device check reads this line).
          if (!estimated)
            log(`first step ${bar!.elapsedSeconds.toFixed(2)} s (kernel set-up included)`);
        }
        bar!.tick(images, meanLoss === null ? 'loss …' : `loss ${meanLoss.toFixed(4)}`);
        // The first step pays for kernel set-up: time the next few for the estimate.
        if (!estimated && (step === Math.min(5, steps) || step === steps)) {
          estimated = true;
          const perStep =
            step > 1 ? (Date.now() - firstStepDone) / 1000 / (step - 1) : bar!.elapsedSeconds;
          const epochSeconds = perStep * steps;
          const total = epochSeconds * (config.epochs - epoch);
          log(
            `estimated epoch time ${formatDuration(epochSeconds)}; up to ${config.epochs - epoch} more epochs: ${formatDuration(total)}`,
          );
          if (total > 86_400) {
            log(
              `WARNING: this profile would take ${formatDuration(total)} on this backend. Use a GPU backend (--backend tensorflow or webgpu), a smaller --variant/--image-size, or fewer --epochs.`,
            );
          }
        }
      },
      onEpoch: (record, s) => {
        const bestLoss = s.schedule.bestValLossEpoch === record.epoch;
        const bestAuroc = s.schedule.bestValAurocEpoch === record.epoch;
        log(
          `epoch ${record.epoch + 1}: train loss ${record.trainLoss.toFixed(4)} · val loss ${record.valLoss.toFixed(4)} (BCE ${record.valBce.toFixed(4)} + penalty ${record.valPenalty.toFixed(4)}) · val weighted AUROC ${record.valAuroc?.toFixed(4) ?? 'n/a'} · ${record.imagesPerSecond.toFixed(1)} img/s${bestLoss ? ' · best loss' : ''}${bestAuroc ? ' · best AUROC' : ''}`,
        );
        hooks.onEpochEnd?.(record);
        if (s.schedule.stopped) log(`stopping: ${s.schedule.stopReason}`);
      },
    }));
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
  if (!fs.existsSync(paths.bestLoss))
    throw new Error(`${paths.bestLoss}: no best-loss checkpoint was written`);
  return { state, model };
}
