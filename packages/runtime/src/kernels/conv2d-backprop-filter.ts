import * as tf from '@tensorflow/tfjs';
import { BackendOps } from './backend-ops.js';
import { im2col, im2colTransposedOnHost, type PatchGeometry } from './im2col.js';
import {
  DEFAULT_TRAINING_KERNEL_OPTIONS,
  type KernelContext,
  type TrainingKernelConfigs,
  type TrainingKernelOptions,
} from './training-kernel.js';

type TensorInfo = tf.TensorInfo;

/** Largest im2col matrix (elements) built at once; larger batches are processed in chunks. */
export const DEFAULT_MAX_COLUMN_ELEMENTS = 1 << 24;

export interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** How `conv2dBackpropFilterViaMatMul` computes (the training kernels' switches, and a size cap). */
export interface FilterGradientOptions extends TrainingKernelOptions {
  /** Largest im2col matrix (elements) built at once (default DEFAULT_MAX_COLUMN_ELEMENTS). */
  maxColumnElements?: number;
}

/**
 * Filter gradient of a 2-D convolution as matrix products over im2col patches:
 *   dW[(i,j,ci), co] = sum over rows r=(b,oy,ox) of cols[r, (i,j,ci)] * dy[r, co]
 * On host-memory backends (cpu, wasm) the patch matrix is built already transposed, cols^T
 * [K, rows], from the channel-major input, because their BatchMatMul is fast only without
 * transposed operands and with the small operand (dy) second; on webgpu it is one tiled
 * BatchMatMul with transposeA. Batches whose patch matrix would exceed
 * `maxColumnElements` are processed in chunks of images and summed.
 */
export function conv2dBackpropFilterViaMatMul(
  ops: BackendOps,
  xIn: TensorInfo,
  dyIn: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
  options: FilterGradientOptions = {},
): TensorInfo {
  const maxColumnElements = options.maxColumnElements ?? DEFAULT_MAX_COLUMN_ELEMENTS;
  const switches = { ...DEFAULT_TRAINING_KERNEL_OPTIONS, ...options };
  const owned: TensorInfo[] = [];
  try {
    let x = xIn;
    let dy = dyIn;
    if (attrs.dataFormat === 'NCHW') {
      x = ops.transpose(xIn, [0, 2, 3, 1]);
      dy = ops.transpose(dyIn, [0, 2, 3, 1]);
      owned.push(x, dy);
    }
    const [batch, inH, inW, inC] = x.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      [batch, inH, inW, inC],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { filterHeight: kh, filterWidth: kw, outHeight: outH, outWidth: outW } = info;
    const outC = info.outChannels;
    if (
      dy.shape[0] !== batch ||
      dy.shape[1] !== outH ||
      dy.shape[2] !== outW ||
      dy.shape[3] !== outC
    ) {
      throw new RangeError(
        `Conv2DBackpropFilter: dy shape [${dy.shape}] does not match the convolution output [${batch},${outH},${outW},${outC}]`,
      );
    }
    const g: PatchGeometry = {
      batch,
      inH,
      inW,
      inC,
      kh,
      kw,
      sh: info.strideHeight,
      sw: info.strideWidth,
      top: info.padInfo.top,
      left: info.padInfo.left,
      outH,
      outW,
    };
    if (switches.convolutionOnWasm && preferConvolution(ops, g)) {
      const viaConv = filterGradientAsConvolution(ops, x, dy, g, outC);
      if (viaConv) return viaConv;
    }
    const patchLen = kh * kw * inC;
    const rowsPerImage = outH * outW;
    const imagesPerChunk = Math.max(
      1,
      Math.min(batch, Math.floor(maxColumnElements / (patchLen * rowsPerImage))),
    );
    const onHost = ops.hasHostMemory;
    let source = x;
    if (onHost) {
      source = ops.transpose(x, [3, 0, 1, 2]); // [Cin, B, H, W]
      owned.push(source);
    }
    let sum: TensorInfo | undefined;
    for (let b0 = 0; b0 < batch; b0 += imagesPerChunk) {
      const nb = Math.min(imagesPerChunk, batch - b0);
      const part = patchesTimesDy(ops, source, dy, g, b0, nb, onHost, switches);
      if (sum === undefined) {
        sum = part;
      } else {
        const next = ops.add(sum, part);
        ops.release(sum, part);
        sum = next;
      }
    }
    if (sum === undefined) throw new Error('Conv2DBackpropFilter: empty batch');
    owned.push(sum);
    return ops.reshape(sum, [kh, kw, inC, outC]);
  } finally {
    ops.release(...owned);
  }
}

/** Images [b0, b0+nb): cols^T @ dy as [1, K, Cout]; `source` is xT on host backends, else x. */
function patchesTimesDy(
  ops: BackendOps,
  source: TensorInfo,
  dy: TensorInfo,
  g: PatchGeometry,
  b0: number,
  nb: number,
  onHost: boolean,
  switches: Readonly<Required<TrainingKernelOptions>>,
): TensorInfo {
  const owned: TensorInfo[] = [];
  try {
    const rows = nb * g.outH * g.outW;
    const patchLen = g.kh * g.kw * g.inC;
    const outC = dy.shape[3] as number;
    let dyChunk = dy;
    if (nb !== g.batch) {
      dyChunk = ops.leadingSlice(dy, b0, nb);
      owned.push(dyChunk);
    }
    const d = ops.reshape(dyChunk, [1, rows, outC]);
    owned.push(d);
    if (onHost) {
      // 1x1, stride 1, unpadded, whole batch: the channel-major input already is cols^T.
      const identity =
        g.kh === 1 &&
        g.kw === 1 &&
        g.sh === 1 &&
        g.sw === 1 &&
        g.top === 0 &&
        g.left === 0 &&
        g.outH === g.inH &&
        g.outW === g.inW &&
        nb === g.batch;
      const colsT = identity ? source : im2colTransposedOnHost(ops, source, g, b0, nb);
      if (!identity) owned.push(colsT);
      const a = ops.reshape(colsT, [1, patchLen, rows]);
      owned.push(a);
      return ops.matMul(a, d);
    }
    const cols = im2col(ops, source, g, b0, nb, switches.webgpuIm2colProgram);
    owned.push(cols);
    // Split-K: the product has a small output (K x Cout) and a very long reduction over rows,
    // which a GPU matmul tiled over the output runs on a few workgroups. Splitting the rows into
    // S contiguous groups (a batched matmul, then a sum over the S partial products) gives S
    // times the parallelism.
    const splits = splitCount(rows, switches.webgpuSplitKRows);
    if (splits > 1) {
      const a = ops.reshape(cols, [splits, rows / splits, patchLen]);
      owned.push(a);
      const ds = ops.reshape(dyChunk, [splits, rows / splits, outC]);
      owned.push(ds);
      const partial = ops.matMul(a, ds, true, false);
      owned.push(partial);
      return ops.run('Sum', { x: partial }, { axis: [0], keepDims: true });
    }
    const a = ops.reshape(cols, [1, rows, patchLen]);
    owned.push(a);
    return ops.matMul(a, d, true, false);
  } finally {
    ops.release(...owned);
  }
}

/**
 * Number of equal contiguous groups to split `rows` into so that each has about `target` rows:
 * the smallest divisor of rows that is at least rows/target, if it is not much more; else 1.
 */
export function splitCount(rows: number, target: number): number {
  if (!(target > 0) || rows < 2 * target) return 1;
  const wanted = Math.ceil(rows / target);
  for (let s = wanted; s <= 4 * wanted && s <= rows; s++) if (rows % s === 0) return s;
  return 1;
}

function preferConvolution(ops: BackendOps, g: PatchGeometry): boolean {
  return ops.backendName === 'wasm' && g.sh === 1 && g.sw === 1 && g.kh * g.kw > 1;
}

/**
 * Stride 1 on wasm: the filter gradient is itself a correlation, with the batch as the contracted
 * channel axis — dW[i,j,ci,co] = sum_{y,x,b} xT[ci, y+i-top, x+j-left, b] * dyT[y, x, b, co] — so
 * XNNPACK's convolution computes it from xT = [Cin, H, W, B] and the "filter" dyT = [oh, ow, B,
 * Cout] (output [Cin, kh, kw, Cout]) without materialising the patch matrix.
 */
function filterGradientAsConvolution(
  ops: BackendOps,
  x: TensorInfo,
  dy: TensorInfo,
  g: PatchGeometry,
  outC: number,
): TensorInfo | undefined {
  const bottom = g.kh - 1 + g.outH - g.inH - g.top;
  const right = g.kw - 1 + g.outW - g.inW - g.left;
  if (bottom < 0 || right < 0) return undefined;
  const owned: TensorInfo[] = [];
  try {
    const xT = ops.transpose(x, [3, 1, 2, 0]);
    owned.push(xT);
    const dyT = ops.transpose(dy, [1, 2, 0, 3]);
    owned.push(dyT);
    const out = ops.conv2dStride1(xT, dyT, [g.top, bottom], [g.left, right]); // [Cin, kh, kw, Cout]
    owned.push(out);
    if (out.shape[1] !== g.kh || out.shape[2] !== g.kw || out.shape[3] !== outC) {
      throw new Error(`Conv2DBackpropFilter: internal shape error [${out.shape}]`);
    }
    return ops.transpose(out, [1, 2, 0, 3]);
  } finally {
    ops.release(...owned);
  }
}

/**
 * On webgpu the patch matrix may be as large as one storage binding allows (up to 2^27 floats,
 * 512 MB): fewer, larger chunks mean fewer dispatches, the step's bottleneck (DenseNet-121 at
 * batch 16, 320x320 would otherwise split its first block's 3x3 gradients into 16 chunks).
 */
function webGpuMaxColumnElements(backend: unknown): number | undefined {
  const limits = (backend as { device?: { limits?: Record<string, number> } }).device?.limits;
  const bytes = Math.min(limits?.maxStorageBufferBindingSize ?? 0, limits?.maxBufferSize ?? 0);
  if (!(bytes > 0)) return undefined;
  return Math.max(DEFAULT_MAX_COLUMN_ELEMENTS, Math.min(2 ** 27, Math.floor(bytes / 4)));
}

const filterGradientKernel =
  ({ backend, options }: KernelContext): tf.KernelFunc =>
  ({ inputs, backend: be, attrs }) => {
    const ops = new BackendOps(backend, be as tf.KernelBackend);
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const maxColumnElements = backend === 'webgpu' ? webGpuMaxColumnElements(be) : undefined;
    return conv2dBackpropFilterViaMatMul(
      ops,
      x,
      dy,
      attrs as unknown as Conv2DBackpropFilterAttrs,
      maxColumnElements === undefined ? options : { ...options, maxColumnElements },
    );
  };

/** Conv2DBackpropFilter on every backend (missing or slow in the stock ones). */
export const CONV2D_BACKPROP_FILTER_KERNELS: TrainingKernelConfigs = {
  kernelName: 'Conv2DBackpropFilter',
  backends: {
    wasm: {
      why: 'missing in tfjs-backend-wasm 4.22; im2col (Transpose/Slice/Concat) + XNNPACK BatchMatMul',
      kernelFunc: filterGradientKernel,
    },
    cpu: {
      why: 'stock kernel is a naive 7-deep loop; im2col + blocked BatchMatMul',
      kernelFunc: filterGradientKernel,
    },
    webgpu: {
      why: 'stock kernel is one thread per filter element looping over batch and image; im2col + tiled BatchMatMul',
      kernelFunc: filterGradientKernel,
    },
  },
};
