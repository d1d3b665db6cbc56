/** What one epoch measured. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainBce: number;
  trainPenalty: number;
  valLoss: number;
  valBce: number;
  valPenalty: number;
  /** Weighted AUROC over the outputs on the validation split (null if undefined). */
  valAuroc: number | null;
  learningRate: number;
  seconds: number;
  imagesPerSecond: number;
}

/**
 * Keras-equivalent ReduceLROnPlateau + EarlyStopping bookkeeping, as plain serialisable data
 * (it is saved in checkpoints; `initialSchedule` and `advanceSchedule` are pure).
 */
export interface ScheduleState {
  learningRate: number;
  bestValLoss: number;
  bestValLossEpoch: number;
  bestValAuroc: number;
  bestValAurocEpoch: number;
  /** Epochs since val loss last improved by more than the LR schedule's min delta. */
  lrWait: number;
  /** Epochs since val loss last improved (early stopping). */
  stopWait: number;
  stopped: boolean;
  stopReason?: string;
}

/** The schedule's switches (the paper's values in brackets). */
export interface ScheduleOptions {
  /** Initial learning rate (1e-4). */
  learningRate: number;
  /** ReduceLROnPlateau factor (0.9), in (0, 1]. */
  lrFactor: number;
  /** Epochs without a validation-loss improvement before the LR is reduced (1). */
  lrPatience: number;
  /** The LR is never reduced below this (1e-8). */
  minLearningRate: number;
  /** Epochs without a validation-loss improvement before training stops (3). */
  earlyStoppingPatience: number;
  /** Epoch limit (100). */
  epochs: number;
}

function positive(value: unknown, field: string, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`schedule.${field} must be a positive number, got ${String(value)}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new RangeError(`schedule.${field} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Checks schedule options once (RangeError naming the field) and returns a frozen copy. */
export function scheduleOptions(input: ScheduleOptions): Readonly<ScheduleOptions> {
  if (input == null || typeof input !== 'object') {
    throw new TypeError('schedule must be an object of ScheduleOptions');
  }
  const out: ScheduleOptions = {
    learningRate: positive(input.learningRate, 'learningRate', false),
    lrFactor: positive(input.lrFactor, 'lrFactor', false),
    lrPatience: positive(input.lrPatience, 'lrPatience', true),
    minLearningRate: positive(input.minLearningRate, 'minLearningRate', false),
    earlyStoppingPatience: positive(input.earlyStoppingPatience, 'earlyStoppingPatience', true),
    epochs: positive(input.epochs, 'epochs', true),
  };
  if (out.lrFactor > 1) {
    throw new RangeError(`schedule.lrFactor must be in (0, 1], got ${out.lrFactor}`);
  }
  return Object.freeze(out);
}

export function initialSchedule(config: ScheduleOptions): ScheduleState {
  return {
    learningRate: config.learningRate,
    bestValLoss: Number.POSITIVE_INFINITY,
    bestValLossEpoch: -1,
    bestValAuroc: Number.NEGATIVE_INFINITY,
    bestValAurocEpoch: -1,
    lrWait: 0,
    stopWait: 0,
    stopped: false,
  };
}

export interface ScheduleStep {
  state: ScheduleState;
  /** The epoch's weights are the best so far by validation loss / by validation AUROC. */
  bestLoss: boolean;
  bestAuroc: boolean;
}

// Keras ReduceLROnPlateau's default min_delta: an improvement must beat best − 1e-4.
const LR_MIN_DELTA = 1e-4;

/**
 * Advances the schedule after an epoch: ReduceLROnPlateau on validation loss (factor, patience,
 * min LR; Keras's min_delta 1e-4), EarlyStopping on validation loss (patience, min_delta 0),
 * best checkpoints by validation loss and by validation AUROC, and the epoch limit.
 */
export function advanceSchedule(
  previous: ScheduleState,
  config: ScheduleOptions,
  record: Pick<EpochRecord, 'epoch' | 'valLoss' | 'valAuroc'>,
): ScheduleStep {
  const s: ScheduleState = { ...previous };
  const loss = record.valLoss;
  // Reduce LR on plateau.
  if (loss < s.bestValLoss - LR_MIN_DELTA) {
    s.lrWait = 0;
  } else {
    s.lrWait++;
    if (s.lrWait >= config.lrPatience && s.learningRate > config.minLearningRate) {
      s.learningRate = Math.max(s.learningRate * config.lrFactor, config.minLearningRate);
      s.lrWait = 0;
    }
  }
  // Early stopping and best-loss checkpoint.
  const bestLoss = loss < s.bestValLoss;
  if (bestLoss) {
    s.bestValLoss = loss;
    s.bestValLossEpoch = record.epoch;
    s.stopWait = 0;
  } else {
    s.stopWait++;
    if (s.stopWait >= config.earlyStoppingPatience) {
      s.stopped = true;
      s.stopReason = `validation loss did not improve for ${s.stopWait} epochs (best ${s.bestValLoss.toFixed(4)} at epoch ${s.bestValLossEpoch})`;
    }
  }
  const bestAuroc = record.valAuroc !== null && record.valAuroc > s.bestValAuroc;
  if (bestAuroc) {
    s.bestValAuroc = record.valAuroc!;
    s.bestValAurocEpoch = record.epoch;
  }
  if (!s.stopped && record.epoch + 1 >= config.epochs) {
    s.stopped = true;
    s.stopReason = `reached ${config.epochs} epochs`;
  }
  return { state: s, bestLoss, bestAuroc };
}
