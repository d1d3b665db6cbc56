import { dropoutDraws, mixSeed, withDropoutSeed } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import { type BatchSource, releaseBatch } from './batch-source.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { TrainingLoss } from './loss.js';
import {
  advanceSchedule,
  type EpochRecord,
  initialSchedule,
  type ScheduleOptions,
  scheduleOptions,
} from './schedule.js';
import { type StepValueSource, StepValues } from './step-values.js';
import type { JsonValue, TrainingState } from './training-state.js';
import { validate } from './validate.js';

/** An optimizer whose learning rate a schedule can set (FusedAdamOptimizer from @cihmlc/runtime). */
export type ScheduledOptimizer = tf.Optimizer & { setLearningRate(learningRate: number): void };

/** Progress of one training step, reported after the step is queued. */
export interface StepProgress {
  /** 0-based epoch. */
  epoch: number;
  /** Steps done in this epoch (1-based count). */
  step: number;
  /** Images of this step. */
  images: number;
  /**
   * Mean training loss of the steps read so far this epoch (reads run a few steps behind the
   * device; null before the first read).
   */
  meanLoss: number | null;
  /** Whether the step was replayed from a capture (FitOptions.replay). */
  replayed: boolean;
}

/** What fit needs of @cihmlc/runtime's captureTrainingStep (given as `replay.capture`). */
export type CaptureTrainingStep = (
  stepFn: (...inputs: tf.Tensor[]) => tf.Tensor,
  options: {
    inputs: tf.Tensor[];
    optimizer?: tf.Optimizer;
    randomUploads: {
      recordKeys: readonly [number, number];
      begin(key: number): void;
      draw(key: number, shapes: readonly number[][]): Float32Array[];
    };
    restoreState: boolean;
  },
) => Promise<{
  readonly replayable: boolean;
  readonly reason: string;
  run(
    inputs: tf.Tensor[],
    key: number,
  ): {
    readonly path: 'replay' | 'normal';
    readonly reason: string;
    outputs(): Promise<Float32Array[]>;
  };
  release(): void;
}>;

/** Record once, replay the training step (see FitOptions.replay). */
export interface FitReplay {
  /** `captureTrainingStep` from @cihmlc/runtime. */
  capture: CaptureTrainingStep;
  /** 'webgpu' (default): only when the active backend is webgpu; 'always': on any backend (the capture then falls back on its own, and says why). */
  when?: 'webgpu' | 'always';
}

/** What the replay did, reported once per kind and reason. */
export interface ReplayNote {
  epoch: number;
  /** 0-based step of the epoch. */
  step: number;
  /** 'captured': later full-size steps replay; 'normal': this step (and others like it) took TF.js's path, `reason` says why; 'released'. */
  event: 'captured' | 'normal' | 'released';
  reason: string;
}

export interface FitOptions {
  model: tf.LayersModel;
  loss: TrainingLoss;
  /** An optimizer with `setLearningRate` (the schedule sets it each epoch), e.g. `fusedAdam()`. */
  optimizer: ScheduledOptimizer;
  /** Training batches, called once per epoch with `{ epoch, seed }` (shuffle and augment there). */
  train: BatchSource;
  /** Validation batches (inference mode), scored after each epoch. */
  valid: BatchSource;
  /** Reduce-LR-on-plateau, early stopping and the epoch limit. */
  schedule: ScheduleOptions;
  /** Seeds the dropout masks of step s of epoch e with mixSeed(seed, e, s); given to the sources. */
  seed: number;
  /** The model's output names, for the validation AUROC's labels (default `output i`). */
  outputLabels?: readonly string[];
  /** Where checkpoints go and a resume reads from; omitted: none (a fresh run every call). */
  checkpoints?: CheckpointStore;
  /** JSON data saved in every checkpoint's state and returned on resume (a fresh run's only). */
  extra?: Record<string, JsonValue>;
  /** At most this many training steps per epoch (default: the whole source). */
  maxStepsPerEpoch?: number;
  /** Steps whose loss values are read (asynchronously) together (default 8). */
  readEvery?: number;
  /** Called after each epoch's checkpoints are written. */
  onEpoch?: (record: EpochRecord, state: TrainingState) => void | Promise<void>;
  /** Called when an epoch's training starts (0-based epoch). */
  onEpochStart?: (epoch: number) => void;
  /** Called after each training step. */
  onStep?: (progress: StepProgress) => void;
  /** Called once with the state a resumed run starts from (not for a fresh run). */
  onResume?: (state: TrainingState) => void;
  /** Checked between steps and epochs: an abort ends `fit` with a FitAbortedError. */
  signal?: AbortSignal;
  /**
   * Record the training step once and replay it (webgpu: far less host time per step), with the
   * same results as without: off when omitted. The first full-size step runs normally, the second
   * is captured (two recorded steps whose effects are undone) and every later step of that batch
   * size is replayed with its own dropout seed; other batch sizes take the normal path.
   */
  replay?: FitReplay;
  /** Reports what the replay did (once per kind and reason). */
  onReplay?: (note: ReplayNote) => void;
}

/** `fit` stopped because its signal was aborted; `epochsDone` epochs are checkpointed. */
export class FitAbortedError extends Error {
  constructor(readonly epochsDone: number) {
    super(
      `interrupted: ${epochsDone} epoch(s) are checkpointed; run the same command again to resume`,
    );
    this.name = 'FitAbortedError';
  }
}

export interface FitResult {
  state: TrainingState;
  /** Whether the run continued from a checkpoint. */
  resumed: boolean;
}

function checkOptions(options: FitOptions): Readonly<FitOptions> {
  if (options == null || typeof options !== 'object') throw new TypeError('fit: options missing');
  if (!(options.model instanceof tf.LayersModel)) {
    throw new TypeError('fit: model must be a tf.LayersModel');
  }
  if (typeof options.loss !== 'function') throw new TypeError('fit: loss must be a function');
  if (typeof options.optimizer?.setLearningRate !== 'function') {
    throw new TypeError(
      'fit: optimizer must have setLearningRate(rate) (e.g. fusedAdam() from @cihmlc/runtime)',
    );
  }
  for (const field of ['train', 'valid'] as const) {
    if (typeof options[field] !== 'function') {
      throw new TypeError(`fit: ${field} must be a batch source: (context) => iterable of batches`);
    }
  }
  if (!Number.isInteger(options.seed)) {
    throw new RangeError(`fit: seed must be an integer, got ${options.seed}`);
  }
  for (const field of ['maxStepsPerEpoch', 'readEvery'] as const) {
    const v = options[field];
    if (v != null && !(Number.isInteger(v) && v > 0)) {
      throw new RangeError(`fit: ${field} must be a positive integer, got ${v}`);
    }
  }
  if (options.replay != null) {
    if (typeof options.replay.capture !== 'function') {
      throw new TypeError('fit: replay.capture must be captureTrainingStep from @cihmlc/runtime');
    }
    const when = options.replay.when;
    if (when != null && when !== 'webgpu' && when !== 'always') {
      throw new RangeError(`fit: replay.when must be 'webgpu' or 'always', got ${when}`);
    }
  }
  if (options.outputLabels != null && !Array.isArray(options.outputLabels)) {
    throw new TypeError('fit: outputLabels must be an array of output names');
  }
  return Object.freeze({
    ...options,
    schedule: scheduleOptions(options.schedule),
    ...(options.outputLabels ? { outputLabels: Object.freeze([...options.outputLabels]) } : {}),
    ...(options.extra ? { extra: Object.freeze({ ...options.extra }) } : {}),
  });
}

/**
 * Trains `model` with the Keras-style schedule, resuming from `checkpoints` when they hold a
 * run: per epoch, the training steps (dropout seeded per step, no synchronous device read; loss
 * values are read asynchronously every `readEvery` steps and checked for NaN/∞), validation
 * loss and weighted AUROC, the schedule (learning rate, early stopping, best epochs) and the
 * checkpoints (best loss and best AUROC when improved, then `last` with the optimizer). An
 * interrupted run resumed from its `last` checkpoint ends with bit-identical weights to an
 * uninterrupted one.
 */
export async function fit(input: FitOptions): Promise<FitResult> {
  const o = checkOptions(input);
  const { model, optimizer, schedule } = o;
  const readEvery = o.readEvery ?? 8;

  let state: TrainingState;
  const restored = o.checkpoints ? await o.checkpoints.restore(model, optimizer) : null;
  if (restored) {
    state = restored;
    o.onResume?.(state);
  } else {
    state = { ...(o.extra ?? {}), epochs: 0, schedule: initialSchedule(schedule), history: [] };
  }

  const replay = o.replay;
  const replayOn =
    replay != null && ((replay.when ?? 'webgpu') === 'always' || tf.getBackend() === 'webgpu');
  type Capture = Awaited<ReturnType<CaptureTrainingStep>>;
  let capture: Capture | null = null;
  let captureTried = false;
  let warmedUp = false;
  let fullSize: number | undefined;
  let replayKey = 0;
  const noted = new Set<string>();
  const note = (epoch: number, step: number, event: ReplayNote['event'], reason: string) => {
    const id = `${event}:${reason}`;
    if (noted.has(id)) return;
    noted.add(id);
    o.onReplay?.({ epoch, step, event, reason });
  };
  const replayStep = (...ins: tf.Tensor[]) =>
    withDropoutSeed(replayKey, () =>
      trainStep(model, o.loss, optimizer, ins[0] as tf.Tensor, ins[1] as tf.Tensor, ins[2]),
    );
  try {
    while (!state.schedule.stopped) {
      if (o.signal?.aborted) throw new FitAbortedError(state.epochs);
      const epoch = state.epochs;
      optimizer.setLearningRate(state.schedule.learningRate);
      o.onEpochStart?.(epoch);
      const started = Date.now();
      const values = new StepValues(epoch, readEvery);
      let step = 0;
      let aborted = false;
      try {
        for await (const batch of o.train({ epoch, seed: o.seed })) {
          if ((o.maxStepsPerEpoch != null && step >= o.maxStepsPerEpoch) || o.signal?.aborted) {
            releaseBatch(batch);
            aborted = o.signal?.aborted === true;
            break;
          }
          const n = batch.x.shape[0] ?? 1;
          const key = mixSeed(o.seed, epoch, step);
          let stepValues: StepValueSource | null = null;
          let replayed = false;
          try {
            if (replay && replayOn) {
              fullSize ??= n;
              const inputs = batch.mask ? [batch.x, batch.y, batch.mask] : [batch.x, batch.y];
              if (n !== fullSize) {
                note(
                  epoch,
                  step,
                  'normal',
                  `a batch of ${n} images (the replayed step's has ${fullSize})`,
                );
              } else if (!capture && !captureTried && warmedUp) {
                captureTried = true;
                const c = await replay.capture(replayStep, {
                  inputs,
                  optimizer,
                  randomUploads: {
                    recordKeys: [mixSeed(o.seed, epoch, step, 1), mixSeed(o.seed, epoch, step, 2)],
                    begin: (k) => {
                      replayKey = k;
                    },
                    draw: dropoutDraws,
                  },
                  restoreState: true,
                });
                if (c.replayable) {
                  capture = c;
                  note(epoch, step, 'captured', '');
                } else {
                  c.release();
                  note(epoch, step, 'normal', `the step cannot be replayed: ${c.reason}`);
                }
              }
              if (capture && n === fullSize) {
                const handle = capture.run(inputs, key);
                if (handle.path === 'normal') note(epoch, step, 'normal', handle.reason);
                replayed = handle.path === 'replay';
                stepValues = async () => (await handle.outputs())[0] as Float32Array;
              }
            }
            if (!stepValues) {
              stepValues = withDropoutSeed(key, () =>
                trainStep(model, o.loss, optimizer, batch.x, batch.y, batch.mask),
              );
              if (n === fullSize) warmedUp = true;
            }
          } finally {
            // Lets the source reuse the batch's memory (nothing made from it is kept).
            releaseBatch(batch);
          }
          await values.add(step, stepValues, n);
          step++;
          if (o.onStep) {
            const read = values.read;
            o.onStep({
              epoch,
              step,
              images: n,
              meanLoss: read.images > 0 ? read.loss / read.images : null,
              replayed,
            });
          }
        }
        if (aborted || o.signal?.aborted) throw new FitAbortedError(state.epochs);
        if (step === 0) throw new RangeError(`fit: epoch ${epoch + 1}: train yielded no batches`);
        const sums = await values.finish();
        const trainSeconds = (Date.now() - started) / 1000;

        const valid = await validate({
          model,
          loss: o.loss,
          source: o.valid,
          context: { epoch, seed: o.seed },
          ...(o.outputLabels ? { outputLabels: o.outputLabels } : {}),
        });
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
        const next = advanceSchedule(state.schedule, schedule, record);
        state = {
          ...state,
          epochs: epoch + 1,
          schedule: next.state,
          history: [...state.history, record],
        };
        if (o.checkpoints) {
          // Best checkpoints first, then `last` (what a resume reads): a crash in between re-runs
          // this epoch and rewrites the same checkpoints.
          if (next.bestLoss) await o.checkpoints.save('bestLoss', model, state);
          if (next.bestAuroc) await o.checkpoints.save('bestAuroc', model, state);
          await o.checkpoints.save('last', model, state, optimizer);
        }
        await o.onEpoch?.(record, state);
      } finally {
        values.dispose();
      }
    }
  } finally {
    if (capture) {
      capture.release();
      note(state.epochs, 0, 'released', '');
    }
  }
  return { state, resumed: restored !== null };
}

/** One optimizer step; returns float32 [loss, bce, penalty] on the device (nothing read). */
function trainStep(
  model: tf.LayersModel,
  loss: TrainingLoss,
  optimizer: tf.Optimizer,
  x: tf.Tensor,
  y: tf.Tensor,
  mask: tf.Tensor | undefined,
): tf.Tensor {
  let kept: [tf.Scalar, tf.Scalar] | undefined;
  const total = optimizer.minimize(() => {
    const pred = model.apply(x, { training: true }) as tf.Tensor;
    if (loss.components) {
      const c = loss.components(y, pred, mask);
      kept = [tf.keep(c.bce), tf.keep(c.penalty)];
      return tf.add(c.bce, c.penalty) as tf.Scalar;
    }
    const value = loss(y, pred, mask);
    kept = [tf.keep(tf.clone(value)), tf.keep(tf.scalar(0))];
    return value;
  }, true)!;
  const out = tf.stack([total, ...kept!]);
  tf.dispose([total, ...kept!]);
  return out;
}
