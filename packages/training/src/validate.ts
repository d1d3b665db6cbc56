import { multilabelAuroc } from '@cihmlc/metrics';
import * as tf from '@tensorflow/tfjs';
import { type BatchContext, type BatchSource, releaseBatch } from './batch-source.js';
import type { TrainingLoss } from './loss.js';

/** Validation figures of one epoch. */
export interface Validation {
  loss: number;
  bce: number;
  penalty: number;
  /** Weighted AUROC over the outputs (null where no output has both classes). */
  auroc: number | null;
}

interface Chunk {
  indices: ArrayLike<number> | undefined;
  pred: Float32Array;
  y: Float32Array;
  mask: Float32Array | undefined;
}

/**
 * Predicts a validation source in inference mode (reads are asynchronous), then scores the
 * whole split at once: the loss's components over all images (U-Ignore mask applied) and the
 * weighted AUROC of the unmasked labels.
 */
export async function validate({
  model,
  loss,
  source,
  context,
  outputLabels,
}: {
  model: tf.LayersModel;
  loss: TrainingLoss;
  /** The validation batches. */
  source: BatchSource;
  context: BatchContext;
  /** The model's output names, for the AUROC's labels (default `output i`). */
  outputLabels?: readonly string[];
}): Promise<Validation> {
  const chunks: Chunk[] = [];
  let cols = 0;
  for await (const batch of source(context)) {
    try {
      const pred = tf.tidy(() => model.predict(batch.x) as tf.Tensor);
      const [p, y, mask] = await Promise.all([
        pred.data() as Promise<Float32Array>,
        batch.y.data() as Promise<Float32Array>,
        batch.mask?.data() as Promise<Float32Array> | undefined,
      ]);
      cols = pred.shape[1] ?? 1;
      pred.dispose();
      chunks.push({ indices: batch.indices, pred: p, y, mask });
    } finally {
      releaseBatch(batch);
    }
  }
  const rows = chunks.reduce((n, c) => n + c.pred.length / cols, 0);
  if (rows === 0) throw new RangeError('valid: the validation source yielded no batches');
  const placed = chunks.every((c) => c.indices != null);
  const preds = new Float32Array(rows * cols);
  const truth = new Float32Array(rows * cols);
  const anyMask = chunks.some((c) => c.mask != null);
  const mask = anyMask ? new Float32Array(rows * cols).fill(1) : undefined;
  let next = 0;
  for (const c of chunks) {
    const n = c.pred.length / cols;
    for (let i = 0; i < n; i++) {
      const row = placed ? c.indices![i]! : next + i;
      if (!(row >= 0 && row < rows)) {
        throw new RangeError(`valid: batch index ${row} is outside the split's ${rows} rows`);
      }
      preds.set(c.pred.subarray(i * cols, (i + 1) * cols), row * cols);
      truth.set(c.y.subarray(i * cols, (i + 1) * cols), row * cols);
      if (mask && c.mask) mask.set(c.mask.subarray(i * cols, (i + 1) * cols), row * cols);
    }
    next += n;
  }

  const [bceT, penaltyT] = tf.tidy(() => {
    const t = tf.tensor2d(truth, [rows, cols]);
    const p = tf.tensor2d(preds, [rows, cols]);
    const m = mask ? tf.tensor2d(mask, [rows, cols]) : undefined;
    if (loss.components) {
      const c = loss.components(t, p, m);
      return [c.bce, c.penalty];
    }
    return [loss(t, p, m), tf.scalar(0)];
  });
  const [bce, penalty] = await Promise.all([bceT.data(), penaltyT.data()]);
  tf.dispose([bceT, penaltyT]);
  const names = outputLabels ?? Array.from({ length: cols }, (_, i) => `output ${i}`);
  const auroc = multilabelAuroc({
    labels: names,
    truth: { rows, cols, data: truth },
    scores: { rows, cols, data: preds },
  });
  return {
    loss: bce[0]! + penalty[0]!,
    bce: bce[0]!,
    penalty: penalty[0]!,
    auroc: auroc.average.weighted,
  };
}
