import type * as tf from '@tensorflow/tfjs';
import { BackendOps } from './backend-ops.js';
import type { KernelContext, TrainingKernelConfigs } from './training-kernel.js';

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

const tileKernel =
  ({ backend, stock }: KernelContext): tf.KernelFunc =>
  (args) => {
    const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as unknown as { reps: number[] };
    return tileByRepeatingOnHost(ops, x, reps) ?? (stock as tf.KernelFunc)(args);
  };

const TILE_WHY =
  'batch-norm gradients tile [1,1,1,C] to the activation shape; done as a doubling memcpy';

/** Tile on host backends (falls back to the stock kernel for the cases it does not handle). */
export const TILE_KERNELS: TrainingKernelConfigs = {
  kernelName: 'Tile',
  backends: {
    wasm: { why: TILE_WHY, needsStock: true, kernelFunc: tileKernel },
    cpu: { why: TILE_WHY, needsStock: true, kernelFunc: tileKernel },
  },
};
