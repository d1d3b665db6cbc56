import * as tf from '@tensorflow/tfjs';
import type { BackendOps } from './backend-ops.js';
import { im2col, im2colTransposedOnHost, type PatchGeometry } from './im2col.js';

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
  maxColumnElements = DEFAULT_MAX_COLUMN_ELEMENTS,
): TensorInfo {
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
      throw new Error(
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
      const part = patchesTimesDy(ops, source, dy, g, b0, nb, onHost);
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
    const cols = im2col(ops, source, g, b0, nb);
    owned.push(cols);
    const a = ops.reshape(cols, [1, rows, patchLen]);
    owned.push(a);
    return ops.matMul(a, d, true, false);
  } finally {
    ops.release(...owned);
  }
}
