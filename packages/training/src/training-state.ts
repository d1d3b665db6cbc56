import type { EpochRecord, ScheduleState } from './schedule.js';

/** JSON values: what a checkpoint can carry besides tensors. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** What a checkpoint remembers besides weights: enough to continue exactly where it stopped. */
export interface TrainingState {
  /** Epochs completed. */
  epochs: number;
  schedule: ScheduleState;
  /** One record per completed epoch (the metrics log). */
  history: EpochRecord[];
  /**
   * The caller's own data, saved with every checkpoint and handed back on resume (the trainer
   * keeps its data-driven penalties here, as top-level fields for its older checkpoints).
   */
  [extra: string]: JsonValue | ScheduleState | EpochRecord[] | undefined;
}

/** A finished (or stopped) training in a few numbers, for logs and run summaries. */
export interface TrainingSummary {
  epochs: number;
  /** Why the schedule stopped ('' when it did not). */
  stopReason: string;
  /** 1-based epoch and value of the lowest validation loss. */
  bestValLoss: { epoch: number; value: number };
  /** 1-based epoch and value of the highest validation AUROC. */
  bestValAuroc: { epoch: number; value: number };
  /** Wall time of the epochs, summed. */
  trainingSeconds: number;
  /** The last epoch's training images per second (0 before the first epoch). */
  imagesPerSecond: number;
}

/** The summary of a training state (epochs counted from 1, as the metrics log does). */
export function summarizeTraining(state: TrainingState): TrainingSummary {
  const { schedule, history } = state;
  return {
    epochs: state.epochs,
    stopReason: schedule.stopReason ?? '',
    bestValLoss: { epoch: schedule.bestValLossEpoch + 1, value: schedule.bestValLoss },
    bestValAuroc: { epoch: schedule.bestValAurocEpoch + 1, value: schedule.bestValAuroc },
    trainingSeconds: history.reduce((sum, r) => sum + r.seconds, 0),
    imagesPerSecond: history[history.length - 1]?.imagesPerSecond ?? 0,
  };
}
