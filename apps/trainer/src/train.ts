import fs from 'node:fs';
import type { Cache } from '@cihmlc/chexpert-data';
import { createClassifier } from '@cihmlc/densenet';
import { dataDrivenPenalties, type HbceLoss, hbceLoss } from '@cihmlc/hbce-loss';
import { multilabelAuroc } from '@cihmlc/metrics';
import { fusedAdam } from '@cihmlc/runtime';
import type { Taxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from './atomic.js';
import { findCheckpoint, restoreCheckpoint, writeCheckpoint } from './checkpoint.js';
import type { RunConfig } from './config.js';
import type { Log } from './data.js';
import { maskedTruth, predictSplit } from './predict-split.js';
import { formatDuration, ProgressBar } from './progress.js';
import type { RunPaths } from './run-dir.js';
import {
  advanceSchedule,
  type EpochRecord,
  initialSchedule,
  type ScheduleState,
} from './schedule.js';
import { mixSeed, withSeededMathRandom } from './seeded-random.js';

/** What a checkpoint remembers besides weights: enough to continue exactly where it stopped. */
export interface TrainingState {
  /** Epochs completed. */
  epochs: number;
  schedule: ScheduleState;
  history: EpochRecord[];
  penalties: number[] | null;
}

export function buildModel(config: RunConfig, numOutputs: number): tf.LayersModel {
  return createClassifier({
    variant: config.variant as never,
    inputShape: [config.imageSize, config.imageSize, 3],
    numOutputs,
    headFilters: config.headFilters,
    denseUnits: config.denseUnits,
    batchNormMomentum: config.batchNormMomentum,
    seed: config.seed,
  });
}

export function buildLoss(
  config: RunConfig,
  taxonomy: Taxonomy,
  penalties: number[] | null,
): HbceLoss {
  return hbceLoss({
    taxonomy,
    penalty: config.penalty,
    lambda: config.lambda,
    beta: config.beta,
    fixedIgnoresLambda: config.fixedIgnoresLambda,
    ...(penalties ? { penalties } : {}),
    mode: config.lossMode,
    // Values come from our own cache and sigmoid outputs: skip the per-step read-back.
    checkValues: false,
  });
}

/** Loss components and weighted AUROC of a prediction matrix against a split's labels. */
function scoreSplit(
  loss: HbceLoss,
  labels: string[],
  truth: tf.Tensor2D,
  predictions: tf.Tensor2D,
  plainTruth: Float32Array,
  preds: Float32Array,
) {
  const { bce, penalty } = loss.components(truth, predictions);
  const b = bce.dataSync()[0]!;
  const p = penalty.dataSync()[0]!;
  tf.dispose([bce, penalty]);
  const rows = preds.length / labels.length;
  const auroc = multilabelAuroc(
    labels,
    { rows, cols: labels.length, data: plainTruth },
    { rows, cols: labels.length, data: preds },
  );
  return { loss: b + p, bce: b, penalty: p, auroc: auroc.average.weighted };
}

/** Thrown when a run is stopped from outside (Ctrl-C); its last finished epoch is checkpointed. */
export class InterruptedError extends Error {
  constructor(readonly epochsDone: number) {
    super(
      `interrupted: ${epochsDone} epoch(s) are checkpointed; run the same command again to resume`,
    );
    this.name = 'InterruptedError';
  }
}

export interface TrainHooks {
  /** Checked between batches and epochs. */
  signal?: AbortSignal;
  /** Called after each epoch's checkpoints are written. */
  onEpochEnd?: (record: EpochRecord) => void;
}

export interface TrainOutcome {
  state: TrainingState;
  model: tf.LayersModel;
  loss: HbceLoss;
}

/**
 * Trains one run in `paths.dir`, resuming from its last checkpoint: per epoch, the training
 * batches (seeded shuffle, augmentation and dropout), validation loss and weighted AUROC, the
 * LR schedule and early stopping, and three checkpoints (last, best loss, best AUROC).
 */
export async function train(
  config: RunConfig,
  paths: RunPaths,
  cache: Cache,
  taxonomy: Taxonomy,
  log: Log,
  hooks: TrainHooks = {},
): Promise<TrainOutcome> {
  const labels = taxonomy.outputLabels;
  const trainSplit = cache.splits.train!;
  const validSplit = cache.splits.valid!;
  const model = buildModel(config, labels.length);
  // tf.train.adam's update, one kernel per variable where the backend has it (@cihmlc/runtime).
  const optimizer = fusedAdam(config.learningRate);

  let state: TrainingState;
  const resumeFrom = findCheckpoint(paths.last);
  if (resumeFrom) {
    state = await restoreCheckpoint<TrainingState>(resumeFrom, model, optimizer);
    log(`resuming from ${resumeFrom} after epoch ${state.epochs}`);
  } else {
    const penalties =
      config.penalty === 'data-driven'
        ? dataDrivenPenalties(trainSplit.labels, taxonomy, { formula: config.penaltyFormula })
        : null;
    state = { epochs: 0, schedule: initialSchedule(config), history: [], penalties };
  }
  const loss = buildLoss(config, taxonomy, state.penalties);
  if (state.penalties) {
    const range = [Math.min(...state.penalties), Math.max(...state.penalties)];
    log(
      `data-driven penalties: ${range[0]!.toFixed(3)}–${range[1]!.toFixed(3)} (λ = ${config.lambda})`,
    );
  }

  const batchesPerEpoch = Math.ceil(trainSplit.count / config.batchSize);
  const steps = config.maxBatchesPerEpoch
    ? Math.min(config.maxBatchesPerEpoch, batchesPerEpoch)
    : batchesPerEpoch;
  const validTruth = maskedTruth(validSplit.labels, validSplit.mask);
  const validTruthTensor = tf.tensor2d(validTruth.data, [validTruth.rows, validTruth.cols]);

  let estimated = false;
  let firstStepDone = 0;
  while (!state.schedule.stopped) {
    const epoch = state.epochs;
    (optimizer as unknown as { learningRate: number }).learningRate = state.schedule.learningRate;
    const bar = new ProgressBar(`epoch ${epoch + 1}/${config.epochs}`, steps);
    const started = Date.now();
    let sums = { loss: 0, bce: 0, penalty: 0, images: 0 };
    let step = 0;
    for await (const batch of cache.batches({
      split: 'train',
      batchSize: config.batchSize,
      seed: config.seed,
      epoch,
      shuffle: true,
      augment: config.augment,
    })) {
      if (step >= steps || hooks.signal?.aborted) {
        batch.release();
        break;
      }
      const n = batch.indices.length;
      const y = batch.mask
        ? tf.tidy(() => tf.where(tf.cast(batch.mask!, 'bool'), batch.y, tf.fill(batch.y.shape, -1)))
        : batch.y;
      const parts = withSeededMathRandom(mixSeed(config.seed, epoch, step), () => {
        let kept: { bce: tf.Scalar; penalty: tf.Scalar } | undefined;
        const total = optimizer.minimize(() => {
          const pred = model.apply(batch.x, { training: true }) as tf.Tensor;
          const c = loss.components(y, pred);
          kept = { bce: tf.keep(c.bce), penalty: tf.keep(c.penalty) };
          return tf.add(c.bce, c.penalty) as tf.Scalar;
        }, true)!;
        const values = {
          loss: total.dataSync()[0]!,
          bce: kept!.bce.dataSync()[0]!,
          penalty: kept!.penalty.dataSync()[0]!,
        };
        tf.dispose([total, kept!.bce, kept!.penalty]);
        return values;
      });
      if (y !== batch.y) y.dispose();
      // Disposes the tensors and lets the cache reuse the batch's memory (nothing keeps them).
      batch.release();
      if (!Number.isFinite(parts.loss)) {
        throw new Error(
          `epoch ${epoch + 1}, step ${step + 1}: the loss is ${parts.loss}; lower the learning rate`,
        );
      }
      sums = {
        loss: sums.loss + parts.loss * n,
        bce: sums.bce + parts.bce * n,
        penalty: sums.penalty + parts.penalty * n,
        images: sums.images + n,
      };
      step++;
      bar.tick(n, `loss ${(sums.loss / sums.images).toFixed(4)}`);
      // The first step pays for kernel set-up: time the next few for the estimate.
      if (step === 1) firstStepDone = Date.now();
      if (!estimated && (step === Math.min(5, steps) || step === steps)) {
        estimated = true;
        const perStep =
          step > 1 ? (Date.now() - firstStepDone) / 1000 / (step - 1) : bar.elapsedSeconds;
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
    }
    if (hooks.signal?.aborted) throw new InterruptedError(state.epochs);
    const trainSeconds = (Date.now() - started) / 1000;

    const validPred = await predictSplit(model, cache, 'valid', Math.max(config.batchSize, 64));
    const predTensor = tf.tensor2d(validPred.data, [validPred.rows, validPred.cols]);
    const valid = scoreSplit(
      loss,
      labels,
      validTruthTensor,
      predTensor,
      validSplit.labels.data,
      validPred.data,
    );
    predTensor.dispose();

    const record: EpochRecord = {
      epoch,
      trainLoss: sums.loss / sums.images,
      trainBce: sums.bce / sums.images,
      trainPenalty: sums.penalty / sums.images,
      valLoss: valid.loss,
      valBce: valid.bce,
      valPenalty: valid.penalty,
      valAuroc: valid.auroc,
      learningRate: state.schedule.learningRate,
      seconds: (Date.now() - started) / 1000,
      imagesPerSecond: sums.images / trainSeconds,
    };
    const step2 = advanceSchedule(state.schedule, config, record);
    state = {
      ...state,
      epochs: epoch + 1,
      schedule: step2.state,
      history: [...state.history, record],
    };
    log(
      `epoch ${epoch + 1}: train loss ${record.trainLoss.toFixed(4)} · val loss ${record.valLoss.toFixed(4)} (BCE ${record.valBce.toFixed(4)} + penalty ${record.valPenalty.toFixed(4)}) · val weighted AUROC ${record.valAuroc?.toFixed(4) ?? 'n/a'} · ${record.imagesPerSecond.toFixed(1)} img/s${step2.bestLoss ? ' · best loss' : ''}${step2.bestAuroc ? ' · best AUROC' : ''}`,
    );
    // Best checkpoints first, then `last` (which is what a resume reads): a crash in between
    // re-runs this epoch and rewrites the same files.
    if (step2.bestLoss) await writeCheckpoint(paths.bestLoss, model, state);
    if (step2.bestAuroc) await writeCheckpoint(paths.bestAuroc, model, state);
    await writeCheckpoint(paths.last, model, state, optimizer);
    writeFileAtomic(paths.log, `${state.history.map((r) => JSON.stringify(r)).join('\n')}\n`);
    hooks.onEpochEnd?.(record);
    if (state.schedule.stopped) log(`stopping: ${state.schedule.stopReason}`);
    else if (hooks.signal?.aborted) throw new InterruptedError(state.epochs);
  }
  validTruthTensor.dispose();
  optimizer.dispose();
  if (!fs.existsSync(paths.bestLoss))
    throw new Error(`${paths.bestLoss}: no best-loss checkpoint was written`);
  return { state, model, loss };
}
