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
