import * as tf from '@tensorflow/tfjs';
import { type Batch, releaseBatch } from './batch-source.js';

/** Predictions of a whole split, row-major: `data[row * cols + output]`. */
export interface PredictionMatrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/**
 * The model's outputs for every batch of `batches`, in inference mode, placed at each batch's
 * `indices` (its rows in the split) or, without them, in the batches' order. Reads are
 * asynchronous (webgpu in Node has no synchronous read); every batch is released. `rows`: the
 * split's size when known (every row must then be covered); default the number of images seen.
 */
export async function predictBatches(
  model: tf.LayersModel,
  batches: AsyncIterable<Batch> | Iterable<Batch>,
  options: { rows?: number } = {},
): Promise<PredictionMatrix> {
  const chunks: { indices: ArrayLike<number> | undefined; values: Float32Array }[] = [];
  let cols = 0;
  for await (const batch of batches) {
    try {
      const pred = tf.tidy(() => model.predict(batch.x) as tf.Tensor);
      cols = pred.shape[1] ?? 1;
      const values = (await pred.data()) as Float32Array;
      pred.dispose();
      chunks.push({ indices: batch.indices, values });
    } finally {
      releaseBatch(batch);
    }
  }
  const seen = chunks.reduce((n, c) => n + c.values.length / (cols || 1), 0);
  const rows = options.rows ?? seen;
  if (seen !== rows) {
    throw new RangeError(
      `predictBatches: the batches hold ${seen} images, not options.rows ${rows}`,
    );
  }
  const data = new Float32Array(rows * cols);
  let next = 0;
  for (const c of chunks) {
    const n = c.values.length / cols;
    for (let i = 0; i < n; i++) {
      const row = c.indices ? c.indices[i]! : next + i;
      if (!(row >= 0 && row < rows)) {
        throw new RangeError(`predictBatches: batch index ${row} is outside the ${rows} rows`);
      }
      data.set(c.values.subarray(i * cols, (i + 1) * cols), row * cols);
    }
    next += n;
  }
  return { rows, cols, data };
}
