// @cihmlc/training: a resumable, seeded training loop with the paper's Keras-style schedule.
// Node's checkpoint folders and metrics log: @cihmlc/training/node.

export { type Batch, type BatchContext, type BatchSource, releaseBatch } from './batch-source.js';
export type { CheckpointKind, CheckpointStore } from './checkpoint-store.js';
export {
  type CaptureTrainingStep,
  FitAbortedError,
  type FitOptions,
  type FitReplay,
  type FitResult,
  fit,
  type ReplayNote,
  type ScheduledOptimizer,
  type StepProgress,
} from './fit.js';
export type { TrainingLoss } from './loss.js';
export { type MemoryCheckpoints, memoryCheckpoints } from './memory-checkpoints.js';
export { type PredictionMatrix, predictBatches } from './predict.js';
export {
  advanceSchedule,
  type EpochRecord,
  initialSchedule,
  type ScheduleOptions,
  type ScheduleState,
  type ScheduleStep,
  scheduleOptions,
} from './schedule.js';
export {
  NonFiniteLossError,
  type StepSums,
  type StepValueSource,
  StepValues,
} from './step-values.js';
export {
  type JsonValue,
  summarizeTraining,
  type TrainingState,
  type TrainingSummary,
} from './training-state.js';
export { type Validation, validate } from './validate.js';
