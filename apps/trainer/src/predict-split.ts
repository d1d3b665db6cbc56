import type { Cache } from '@cihmlc/chexpert-data';
import type { LabelMatrix } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';

/** Model outputs for a whole split, in cache order, in inference mode. */
export async function predictSplit(
  model: tf.LayersModel,
  cache: Cache,
  split: string,
  batchSize: number,
): Promise<LabelMatrix> {
  const info = cache.splits[split];
  if (!info) throw new Error(`the cache has no split "${split}"`);
  const cols = info.labels.cols;
  const out = new Float32Array(info.count * cols);
  for await (const batch of cache.batches({ split, batchSize, shuffle: false, augment: false })) {
    const pred = tf.tidy(() => model.predict(batch.x) as tf.Tensor);
    const values = await pred.data();
    pred.dispose();
    batch.indices.forEach((row, i) => {
      out.set(values.subarray(i * cols, (i + 1) * cols), row * cols);
    });
    batch.release();
  }
  return { rows: info.count, cols, data: out };
}
