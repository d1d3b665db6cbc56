import * as tf from '@tensorflow/tfjs';
import { BackendOps } from './backend-ops.js';
import type { KernelContext, TrainingKernelConfigs } from './training-kernel.js';

/**
 * Concat of float32 tensors on cpu / wasm memory by plain copy loops. tfjs-backend-wasm's own
 * kernel makes a subarray and a `set` call per input per outer index, which costs far more than
 * the copy when the inner block is small: DenseNet concatenates [B, H, W, C₁] and [B, H, W, 8..32]
 * along channels, i.e. tens of floats per call, B·H·W times. Returns undefined where the stock
 * kernel is as good or needed (other dtypes, large inner blocks, empty inputs).
 */
export function concatOnHost(
  ops: BackendOps,
  inputs: tf.TensorInfo[],
  axis: number,
): tf.TensorInfo | undefined {
  if (!ops.hasHostMemory || inputs.length < 2) return undefined;
  const rank = inputs[0]?.shape.length ?? 0;
  const ax = axis < 0 ? axis + rank : axis;
  if (ax < 0 || ax >= rank) return undefined;
  const size = (shape: number[], from: number, to = shape.length) =>
    shape.slice(from, to).reduce((a, b) => a * b, 1);
  for (const t of inputs) {
    if (t.dtype !== 'float32' || t.shape.length !== rank || size(t.shape, 0) === 0) {
      return undefined;
    }
    for (let d = 0; d < rank; d++) {
      if (d !== ax && t.shape[d] !== inputs[0]?.shape[d]) return undefined;
    }
  }
  const outer = size(inputs[0]?.shape ?? [], 0, ax);
  const inner = inputs.map((t) => size(t.shape, ax));
  const total = inner.reduce((a, b) => a + b, 0);
  // Large blocks: the stock subarray + set per block is fine.
  if (total > 256) return undefined;
  const outShape = [...(inputs[0]?.shape ?? [])];
  outShape[ax] = inputs.reduce((n, t) => n + (t.shape[ax] as number), 0);
  const out = ops.allocateHost(outShape);
  const dst = ops.hostView(out);
  let column = 0;
  inputs.forEach((t, k) => {
    const src = ops.hostView(t);
    const n = inner[k] as number;
    for (let o = 0, s = 0, d = column; o < outer; o++, d += total) {
      for (let j = 0; j < n; j++, s++) dst[d + j] = src[s] as number;
    }
    column += n;
  });
  return out;
}

/**
 * SplitV (Concat's gradient) of a float32 tensor on cpu / wasm memory by copy loops, under the
 * same conditions as `concatOnHost` (tfjs-backend-wasm slices each output with a strided Slice).
 * `sizes` are the resolved split sizes along `axis`. Returns undefined where it does not apply.
 */
export function splitOnHost(
  ops: BackendOps,
  x: tf.TensorInfo,
  sizes: number[],
  axis: number,
): tf.TensorInfo[] | undefined {
  const rank = x.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  if (!ops.hasHostMemory || x.dtype !== 'float32' || ax < 0 || ax >= rank) return undefined;
  if (sizes.length < 2 || sizes.some((s) => s <= 0)) return undefined;
  if (sizes.reduce((a, b) => a + b, 0) !== x.shape[ax]) return undefined;
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const tail = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const total = (x.shape[ax] as number) * tail;
  if (outer === 0 || total === 0 || total > 256) return undefined;
  const outs = sizes.map((s) => {
    const shape = [...x.shape];
    shape[ax] = s;
    return ops.allocateHost(shape);
  });
  const src = ops.hostView(x);
  let column = 0;
  outs.forEach((out, k) => {
    const dst = ops.hostView(out);
    const n = (sizes[k] as number) * tail;
    for (let o = 0, d = 0, s = column; o < outer; o++, s += total) {
      for (let j = 0; j < n; j++, d++) dst[d] = src[s + j] as number;
    }
    column += n;
  });
  return outs;
}

/** Concat on wasm (falls back to the stock kernel for the cases it does not handle). */
export const CONCAT_KERNELS: TrainingKernelConfigs = {
  kernelName: 'Concat',
  backends: {
    wasm: {
      why: "DenseNet's channel concatenations: stock kernel makes a subarray and a set() call per pixel; plain copy loops",
      needsStock: true,
      kernelFunc:
        ({ backend, stock }: KernelContext): tf.KernelFunc =>
        (args) => {
          const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
          const inputs = args.inputs as unknown as tf.TensorInfo[];
          const { axis } = args.attrs as unknown as { axis: number | number[] };
          const a = Array.isArray(axis) ? axis[0] : axis;
          return (
            (a === undefined ? undefined : concatOnHost(ops, inputs, a)) ??
            (stock as tf.KernelFunc)(args)
          );
        },
    },
  },
};

/** SplitV (Concat's gradient) on wasm. */
export const SPLIT_V_KERNELS: TrainingKernelConfigs = {
  kernelName: 'SplitV',
  backends: {
    wasm: {
      why: "Concat's gradient: stock kernel runs a strided Slice per output; plain copy loops",
      needsStock: true,
      kernelFunc:
        ({ backend, stock }: KernelContext): tf.KernelFunc =>
        (args) => {
          const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
          const { x } = args.inputs as { x: tf.TensorInfo };
          const { numOrSizeSplits, axis } = args.attrs as unknown as {
            numOrSizeSplits: number | number[];
            axis: number | number[];
          };
          const a = Array.isArray(axis) ? (axis[0] as number) : axis;
          const ax = a < 0 ? a + x.shape.length : a;
          const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
          return splitOnHost(ops, x, sizes, ax) ?? (stock as tf.KernelFunc)(args);
        },
    },
  },
};
