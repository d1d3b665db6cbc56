import * as tf from '@tensorflow/tfjs';
import { BackendOps } from './backend-ops.js';
import type { KernelContext, TrainingKernelConfigs } from './training-kernel.js';

export interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * MaxPoolGrad (NHWC, float32) on cpu / wasm memory as a scatter: each output window finds its
 * maximum once (the first strictly greatest value in row-major window order, as tfjs-core's
 * reference kernels do, so ties and NaNs route the gradient the same way) and adds its dy there.
 * Touches each window once instead of asking, for every input pixel, which windows it won.
 * Returns undefined where it does not apply (another dtype or rank), for the stock kernel.
 */
export function maxPoolGradOnHost(
  ops: BackendOps,
  inputs: { dy: tf.TensorInfo; input: tf.TensorInfo },
  attrs: MaxPoolGradAttrs,
): tf.TensorInfo | undefined {
  const { dy, input } = inputs;
  if (!ops.hasHostMemory || input.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
  if (input.shape.length !== 4) return undefined;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  if (dy.shape.join() !== [batchSize, outHeight, outWidth, C].join()) return undefined;
  const { strideHeight, strideWidth, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  const dxInfo = ops.allocateHost([...input.shape]);
  const xv = ops.hostView(input);
  const dyv = ops.hostView(dy);
  const dxv = ops.hostView(dxInfo);
  dxv.fill(0);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  const rowStride = inWidth * C;
  for (let b = 0; b < batchSize; b++) {
    const imageBase = b * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const hCorner = oh * strideHeight - padTop;
      const hMin = Math.max(0, hCorner);
      const hMax = Math.min(inHeight, hCorner + fh);
      for (let ow = 0; ow < outWidth; ow++) {
        const wCorner = ow * strideWidth - padLeft;
        const wMin = Math.max(0, wCorner);
        const wMax = Math.min(inWidth, wCorner + fw);
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let h = hMin; h < hMax; h++) {
          for (let w = wMin; w < wMax; w++) {
            const base = imageBase + h * rowStride + w * C;
            for (let c = 0; c < C; c++) {
              const v = xv[base + c] as number;
              if (v > (best[c] as number)) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * C;
        for (let c = 0; c < C; c++) {
          const at = where[c] as number;
          if (at >= 0) dxv[at] = (dxv[at] as number) + (dyv[dyBase + c] as number);
        }
      }
    }
  }
  return dxInfo;
}

const maxPoolGradKernel =
  ({ backend, stock }: KernelContext): tf.KernelFunc =>
  (args) => {
    const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
    const inputs = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    return (
      maxPoolGradOnHost(ops, inputs, args.attrs as unknown as MaxPoolGradAttrs) ??
      (stock as tf.KernelFunc)(args)
    );
  };

/** MaxPoolGrad on host backends (falls back to the stock kernel for other cases). */
export const MAX_POOL_GRAD_KERNELS: TrainingKernelConfigs = {
  kernelName: 'MaxPoolGrad',
  backends: {
    wasm: {
      why: 'stock kernel asks, for every input pixel, which windows it won (re-scanning each window); one scan per window, scattering dy',
      needsStock: true,
      kernelFunc: maxPoolGradKernel,
    },
    cpu: {
      why: 'stock kernel re-scans every window for every input pixel; one scan per window',
      needsStock: true,
      kernelFunc: maxPoolGradKernel,
    },
  },
};
