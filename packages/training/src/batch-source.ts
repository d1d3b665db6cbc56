import type * as tf from '@tensorflow/tfjs';

/** One batch of a batch source. */
export interface Batch {
  /** Model input, e.g. float32 images `[B, H, W, C]`. */
  x: tf.Tensor;
  /** Targets `[B, outputs]`. */
  y: tf.Tensor;
  /** U-Ignore mask, same shape as `y`: 1 = counted, 0 = ignored (handed to the loss). */
  mask?: tf.Tensor;
  /**
   * Rows of the batch in its split (validation places its predictions there); omitted: the
   * batches' order.
   */
  indices?: ArrayLike<number>;
  /**
   * Called when the loop is done with the batch, instead of disposing `x`, `y` and `mask` (the
   * default). @cihmlc/chexpert-data's batches hand their memory back to the cache here; a source
   * that yields the same tensors every epoch passes `() => {}`.
   */
  release?(): void;
}

/** What a batch source is told about the pass it serves. */
export interface BatchContext {
  /** 0-based epoch. */
  epoch: number;
  /** The `seed` given to `fit` (for shuffling and augmentation). */
  seed: number;
}

/**
 * Batches for one pass over a split: a function called once per epoch (training) or per
 * validation, returning a sync or async iterable — e.g. `({ epoch, seed }) =>
 * cache.batches({ split: 'train', batchSize: 32, epoch, seed })`, or a generator of your own.
 */
export type BatchSource = (context: BatchContext) => AsyncIterable<Batch> | Iterable<Batch>;

/** Hands a batch back: `release()` when it has one, else disposes its tensors. */
export function releaseBatch(batch: Batch): void {
  if (batch.release) batch.release();
  else {
    batch.x.dispose();
    batch.y.dispose();
    batch.mask?.dispose();
  }
}
