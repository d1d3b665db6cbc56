import type * as tf from '@tensorflow/tfjs';
import type { TrainingState } from './training-state.js';

/** Which checkpoint: the newest epoch (what a resume reads) or the best by validation loss / AUROC. */
export type CheckpointKind = 'last' | 'bestLoss' | 'bestAuroc';

/**
 * Where `fit` keeps its checkpoints. `save('last', …)` gets the optimizer too (its Adam moments
 * and step count) so that `restore` continues exactly where training stopped. Node's folder
 * store is `folderCheckpoints` from `@cihmlc/training/node`; a browser can keep them in memory
 * or IndexedDB through the same interface.
 */
export interface CheckpointStore {
  /**
   * Restores model weights and optimizer state from the newest `last` checkpoint and returns its
   * training state; null when there is none (a fresh run).
   */
  restore(model: tf.LayersModel, optimizer: tf.Optimizer): Promise<TrainingState | null>;
  /** Writes one checkpoint; a checkpoint that exists is always complete (atomic replace). */
  save(
    kind: CheckpointKind,
    model: tf.LayersModel,
    state: TrainingState,
    optimizer?: tf.Optimizer,
  ): Promise<void>;
}
