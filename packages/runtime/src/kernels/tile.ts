import type * as tf from '@tensorflow/tfjs';
import type { BackendOps } from './backend-ops.js';

/**
 * Tile where the output is `x` repeated whole (every tiled axis comes before the first axis of
 * size > 1, e.g. [1,1,1,C] tiled to [B,H,W,C], as tfjs-core's batch-norm gradient does), done
 * as a doubling memcpy on cpu / wasm memory. Returns undefined for other patterns or dtypes so
 * the caller can use the stock kernel.
 */
export function tileByRepeatingOnHost(
  ops: BackendOps,
  x: tf.TensorInfo,
  reps: number[],
): tf.TensorInfo | undefined {
  if (!ops.hasHostMemory || x.dtype !== 'float32' || reps.length !== x.shape.length)
    return undefined;
  const firstNonUnit = x.shape.findIndex((d) => d > 1);
  const tail = firstNonUnit < 0 ? x.shape.length : firstNonUnit;
  for (let d = tail; d < reps.length; d++) if (reps[d] !== 1) return undefined;
  const outShape = x.shape.map((d, i) => d * (reps[i] as number));
  const out = ops.allocateHost(outShape);
  const dst = ops.hostView(out);
  const src = ops.hostView(x);
  const total = dst.length;
  if (total === 0) return out;
  dst.set(src, 0);
  let filled = src.length;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(filled, 0, n);
    filled += n;
  }
  return out;
}
