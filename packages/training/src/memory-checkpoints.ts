import * as tf from '@tensorflow/tfjs';
import type { CheckpointKind, CheckpointStore } from './checkpoint-store.js';
import type { TrainingState } from './training-state.js';

interface Saved {
  weights: { shape: number[]; dtype: tf.DataType; values: tf.TypedArray }[];
  optimizer: { name: string; shape: number[]; dtype: tf.DataType; values: tf.TypedArray }[] | null;
  state: string;
}

/** A checkpoint store in memory (browser-safe): copies of the weights as plain typed arrays. */
export interface MemoryCheckpoints extends CheckpointStore {
  /** Kinds saved so far. */
  readonly kinds: CheckpointKind[];
  /** The saved training state of a checkpoint (a copy), or null. */
  state(kind: CheckpointKind): TrainingState | null;
  /** Loads a checkpoint's weights into a model of the same architecture. */
  loadWeights(kind: CheckpointKind, model: tf.LayersModel): void;
}

async function copy(t: tf.Tensor) {
  return { shape: [...t.shape], dtype: t.dtype, values: (await t.data()).slice() };
}

/** Checkpoints kept in memory: for tests, notebooks and browsers (reads are asynchronous). */
export function memoryCheckpoints(): MemoryCheckpoints {
  const saved = new Map<CheckpointKind, Saved>();
  const setModel = (model: tf.LayersModel, s: Saved) => {
    const tensors = s.weights.map((w) => tf.tensor(w.values, w.shape, w.dtype));
    model.setWeights(tensors);
    tf.dispose(tensors);
  };
  return {
    get kinds() {
      return [...saved.keys()];
    },
    state(kind) {
      const s = saved.get(kind);
      return s ? (JSON.parse(s.state) as TrainingState) : null;
    },
    loadWeights(kind, model) {
      const s = saved.get(kind);
      if (!s) throw new RangeError(`memoryCheckpoints: no '${kind}' checkpoint saved`);
      setModel(model, s);
    },
    async restore(model, optimizer) {
      const s = saved.get('last');
      if (!s) return null;
      setModel(model, s);
      if (s.optimizer) {
        const named = s.optimizer.map((w) => ({
          name: w.name,
          tensor: tf.tensor(w.values, w.shape, w.dtype),
        }));
        await optimizer.setWeights(named);
      }
      return JSON.parse(s.state) as TrainingState;
    },
    async save(kind, model, state, optimizer) {
      const weights = await Promise.all(model.getWeights().map(copy));
      let optimizerWeights: Saved['optimizer'] = null;
      if (optimizer) {
        const named = await optimizer.getWeights();
        optimizerWeights = await Promise.all(
          named.map(async (w) => ({ name: w.name, ...(await copy(w.tensor)) })),
        );
        // The step count is a fresh scalar (the moments are the optimizer's own variables).
        named.find((w) => w.name === 'iter')?.tensor.dispose();
      }
      saved.set(kind, { weights, optimizer: optimizerWeights, state: JSON.stringify(state) });
    },
  };
}
