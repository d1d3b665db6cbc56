import * as tf from '@tensorflow/tfjs';
import { BackendOps } from './backend-ops.js';
import { col2imOnHost } from './im2col.js';
import type { KernelContext, TrainingKernelConfigs } from './training-kernel.js';

type TensorInfo = tf.TensorInfo;

export interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * Input gradient of a 2-D convolution as a forward convolution, so that it runs on the
 * backend's fast Conv2D (XNNPACK on wasm):
 *   dx[i] = sum_k dyDilated[i + padTop - k] * w[k]
 * i.e. a stride-1 correlation of dy (zero-dilated by the stride) with the spatially flipped
 * filter whose in/out channels are swapped, padded by (k-1-padTop) before and whatever makes
 * the output exactly the input's size after. Returns undefined when that padding would be
 * negative at the start (explicit paddings wider than the filter), so the caller can fall back.
 */
export function conv2dBackpropInputViaConv(
  ops: BackendOps,
  dyIn: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
): TensorInfo | undefined {
  const owned: TensorInfo[] = [];
  try {
    const nchw = attrs.dataFormat === 'NCHW';
    let dy = dyIn;
    if (nchw) {
      dy = ops.transpose(dyIn, [0, 2, 3, 1]);
      owned.push(dy);
    }
    const inputShape: [number, number, number, number] = nchw
      ? [attrs.inputShape[0], attrs.inputShape[2], attrs.inputShape[3], attrs.inputShape[1]]
      : attrs.inputShape;
    const [batch, inH, inW, inC] = inputShape;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
    const { strideHeight: sh, strideWidth: sw, outChannels: outC } = info;
    const { top, left } = info.padInfo;
    if (dy.shape[0] !== batch || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== outC) {
      throw new RangeError(
        `Conv2DBackpropInput: dy shape [${dy.shape}] does not match the convolution output [${batch},${oh},${ow},${outC}]`,
      );
    }
    if ((sh > 1 || sw > 1) && ops.hasHostMemory) {
      // Strided: the zero-dilated correlation below would multiply mostly zeros (x4 at stride 2),
      // so on host memory take dcols = dy @ W^T (one matmul) and scatter-add it back (col2im).
      const rows = batch * oh * ow;
      const patchLen = kh * kw * inC;
      const d = ops.reshape(dy, [1, rows, outC]);
      owned.push(d);
      const w2 = ops.reshape(filter, [patchLen, outC]);
      owned.push(w2);
      const wT = ops.transpose(w2, [1, 0]);
      owned.push(wT);
      const wT3 = ops.reshape(wT, [1, outC, patchLen]);
      owned.push(wT3);
      const dcols = ops.matMul(d, wT3);
      owned.push(dcols);
      const geometry = { batch, inH, inW, inC, kh, kw, sh, sw, top, left, outH: oh, outW: ow };
      const dx = col2imOnHost(ops, dcols, geometry);
      if (!nchw) return dx;
      owned.push(dx);
      return ops.transpose(dx, [0, 3, 1, 2]);
    }
    const padTop = kh - 1 - top;
    const padLeft = kw - 1 - left;
    if (padTop < 0 || padLeft < 0) return undefined;

    // Zero-dilate dy by the stride: [B,oh,ow,C] -> [B,oh,1,ow,1,C] -> pad -> [B,oh*sh,ow*sw,C].
    let dyd = dy;
    if (sh > 1 || sw > 1) {
      const r6 = ops.reshape(dy, [batch, oh, 1, ow, 1, outC]);
      owned.push(r6);
      const p6 = ops.pad(r6, [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      owned.push(p6);
      dyd = ops.reshape(p6, [batch, oh * sh, ow * sw, outC]);
      owned.push(dyd);
    }
    // After the (already appended) trailing zeros, how much more padding makes the output inH.
    let padBottom = inH + kh - 1 - padTop - oh * sh;
    let padRight = inW + kw - 1 - padLeft - ow * sw;
    if (padBottom < 0 || padRight < 0) {
      // Trailing rows/columns of dyd are zeros from the dilation (or unused): crop them.
      const keepH = oh * sh + Math.min(0, padBottom);
      const keepW = ow * sw + Math.min(0, padRight);
      if (keepH < (oh - 1) * sh + 1 || keepW < (ow - 1) * sw + 1) return undefined;
      const cropped = ops.slice(dyd, [0, 0, 0, 0], [batch, keepH, keepW, outC]);
      owned.push(cropped);
      dyd = cropped;
      padBottom = Math.max(0, padBottom);
      padRight = Math.max(0, padRight);
    }
    const swapped = flipAndSwapFilter(ops, filter); // [kh, kw, Cout, Cin], spatially flipped
    owned.push(swapped);
    const dx = ops.conv2dStride1(dyd, swapped, [padTop, padBottom], [padLeft, padRight]);
    if (dx.shape[1] !== inH || dx.shape[2] !== inW || dx.shape[3] !== inC) {
      owned.push(dx);
      throw new Error(
        `Conv2DBackpropInput: internal shape error, got [${dx.shape}] for input [${inputShape}]`,
      );
    }
    if (!nchw) return dx;
    owned.push(dx);
    return ops.transpose(dx, [0, 3, 1, 2]);
  } finally {
    ops.release(...owned);
  }
}

/** w'[i, j, co, ci] = w[kh-1-i, kw-1-j, ci, co]: a plain loop on host memory, else Reverse + Transpose. */
function flipAndSwapFilter(ops: BackendOps, filter: TensorInfo): TensorInfo {
  const [kh, kw, inC, outC] = filter.shape as [number, number, number, number];
  if (!ops.hasHostMemory || filter.dtype !== 'float32') {
    const flipped = ops.reverse(filter, [0, 1]);
    const swapped = ops.transpose(flipped, [0, 1, 3, 2]);
    ops.release(flipped);
    return swapped;
  }
  const out = ops.allocateHost([kh, kw, outC, inC]);
  const dst = ops.hostView(out);
  const src = ops.hostView(filter);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = ((kh - 1 - i) * kw + (kw - 1 - j)) * inC * outC;
      const to = (i * kw + j) * outC * inC;
      for (let ci = 0; ci < inC; ci++) {
        for (let co = 0; co < outC; co++)
          dst[to + co * inC + ci] = src[from + ci * outC + co] as number;
      }
    }
  }
  return out;
}

const inputGradientKernel =
  ({ backend, stock }: KernelContext): tf.KernelFunc =>
  (args) => {
    const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const out = conv2dBackpropInputViaConv(
      ops,
      dy,
      filter,
      args.attrs as unknown as Conv2DBackpropInputAttrs,
    );
    if (out !== undefined) return out;
    if (!stock) throw new Error(`Conv2DBackpropInput: unsupported padding on ${backend}`);
    return stock(args);
  };

/** Conv2DBackpropInput: a forward convolution on host backends, a stock flag on webgpu. */
export const CONV2D_BACKPROP_INPUT_KERNELS: TrainingKernelConfigs = {
  kernelName: 'Conv2DBackpropInput',
  backends: {
    wasm: {
      why: "stock kernel is a scalar loop; recast as a forward Conv2D on the backend's XNNPACK convolution",
      kernelFunc: inputGradientKernel,
    },
    cpu: { why: 'recast as a forward Conv2D', kernelFunc: inputGradientKernel },
    webgpu: {
      why: "not replaced: the stock flag WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE is set to false, selecting the backend's own matmul-based kernel",
      envFlag: { name: 'WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', value: false },
    },
  },
};
