import type * as tf from '@tensorflow/tfjs';
import type { BackendOps } from './backend-ops.js';
import { im2colWebGpu } from './webgpu-im2col.js';

type TensorInfo = tf.TensorInfo;

/** Where each filter tap reads the (implicitly zero-padded) NHWC input. */
export interface PatchGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  /** Zero rows above / columns left of the input. */
  top: number;
  left: number;
  outH: number;
  outW: number;
}

/**
 * im2col of images [b0, b0+nb) of NHWC `x`: a [nb*outH*outW, kh*kw*inC] matrix whose row
 * (b,oy,ox) holds the patch under output pixel (oy,ox), ordered (i, j, ci) like an HWIO filter.
 * On webgpu one WGSL program builds it, or with `webgpuProgram: false` pad/slice/concat kernels.
 */
export function im2col(
  ops: BackendOps,
  x: TensorInfo,
  g: PatchGeometry,
  b0: number,
  nb: number,
  webgpuProgram = true,
): TensorInfo {
  if (ops.hasHostMemory) return im2colOnHost(ops, x, g, b0, nb);
  if (ops.backendName === 'webgpu' && webgpuProgram) return im2colWebGpu(ops.backend, x, g, b0, nb);
  return im2colWithSlices(ops, x, g, b0, nb);
}

/**
 * Transposed im2col on cpu / wasm memory from the channel-major input xT = [inC, batch, inH, inW]:
 * a [kh*kw*inC, nb*outH*outW] matrix (row (i,j,ci), column (b,oy,ox)). With xT each output row
 * of a patch row is one contiguous (stride 1) or strided run of the input, so this is a sequence
 * of span copies. Used for filter gradients, where the product cols^T @ dy then needs no
 * transposed operand.
 */
export function im2colTransposedOnHost(
  ops: BackendOps,
  xT: TensorInfo,
  g: PatchGeometry,
  b0: number,
  nb: number,
): TensorInfo {
  const { batch, inH, inW, inC, kh, kw, sh, sw, top, left, outH, outW } = g;
  const cols = nb * outH * outW;
  const out = ops.allocateHost([kh * kw * inC, cols]);
  const dst = ops.hostView(out);
  const src = ops.hostView(xT);
  let o = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      // Output columns ox whose input column ox*sw + j - left lies inside [0, inW).
      const oxLo = Math.min(outW, Math.max(0, Math.ceil((left - j) / sw)));
      const oxHi = Math.min(outW, Math.max(oxLo, Math.floor((inW - 1 - j + left) / sw) + 1));
      const span = oxHi - oxLo;
      for (let ci = 0; ci < inC; ci++) {
        for (let b = b0; b < b0 + nb; b++) {
          const plane = (ci * batch + b) * inH;
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * sh + i - top;
            // Plain loops: rows are short (4-64 values), where fill()/set() calls cost more than they save.
            if (iy < 0 || iy >= inH) {
              for (let k = 0; k < outW; k++) dst[o + k] = 0;
            } else {
              for (let k = 0; k < oxLo; k++) dst[o + k] = 0;
              const s0 = (plane + iy) * inW + oxLo * sw + j - left;
              const d0 = o + oxLo;
              if (sw === 1) {
                if (span >= 64) dst.set(src.subarray(s0, s0 + span), d0);
                else for (let k = 0; k < span; k++) dst[d0 + k] = src[s0 + k] as number;
              } else {
                for (let k = 0; k < span; k++) dst[d0 + k] = src[s0 + k * sw] as number;
              }
              for (let k = oxHi; k < outW; k++) dst[o + k] = 0;
            }
            o += outW;
          }
        }
      }
    }
  }
  return out;
}

/** Straight copies on cpu / wasm memory: for each patch row i, kw*inC input values are contiguous. */
function im2colOnHost(
  ops: BackendOps,
  x: TensorInfo,
  g: PatchGeometry,
  b0: number,
  nb: number,
): TensorInfo {
  const rowLen = g.kh * g.kw * g.inC;
  const out = ops.allocateHost([nb * g.outH * g.outW, rowLen]);
  const cols = ops.hostView(out);
  const src = ops.hostView(x);
  const { inH, inW, inC, kh, kw, sh, sw, top, left, outH, outW } = g;
  const spanLen = kw * inC;
  let o = 0;
  for (let b = b0; b < b0 + nb; b++) {
    const imageBase = b * inH * inW * inC;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sw - left;
        const fullSpan = ix0 >= 0 && ix0 + kw <= inW;
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh + i - top;
          if (iy < 0 || iy >= inH) {
            cols.fill(0, o, o + spanLen);
          } else if (fullSpan) {
            const s = imageBase + (iy * inW + ix0) * inC;
            if (spanLen <= 16) {
              for (let k = 0; k < spanLen; k++) cols[o + k] = src[s + k] as number;
            } else {
              cols.set(src.subarray(s, s + spanLen), o);
            }
          } else {
            for (let j = 0; j < kw; j++) {
              const ix = ix0 + j;
              const d = o + j * inC;
              if (ix < 0 || ix >= inW) {
                cols.fill(0, d, d + inC);
              } else {
                const s = imageBase + (iy * inW + ix) * inC;
                for (let c = 0; c < inC; c++) cols[d + c] = src[s + c] as number;
              }
            }
          }
          o += spanLen;
        }
      }
    }
  }
  return out;
}

/** Device backends (webgpu): pad, one (strided) slice per tap, concat along channels. */
function im2colWithSlices(
  ops: BackendOps,
  x: TensorInfo,
  g: PatchGeometry,
  b0: number,
  nb: number,
): TensorInfo {
  const owned: TensorInfo[] = [];
  try {
    const neededH = (g.outH - 1) * g.sh + g.kh;
    const neededW = (g.outW - 1) * g.sw + g.kw;
    const bottom = Math.max(0, neededH - g.top - g.inH);
    const right = Math.max(0, neededW - g.left - g.inW);
    let xp = x;
    if (g.top > 0 || bottom > 0 || g.left > 0 || right > 0) {
      xp = ops.pad(x, [
        [0, 0],
        [g.top, bottom],
        [g.left, right],
        [0, 0],
      ]);
      owned.push(xp);
    }
    const parts: TensorInfo[] = [];
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++) {
        if (g.sh === 1 && g.sw === 1) {
          parts.push(ops.slice(xp, [b0, i, j, 0], [nb, g.outH, g.outW, g.inC]));
        } else {
          parts.push(
            ops.stridedSlice(
              xp,
              [b0, i, j, 0],
              [b0 + nb, i + (g.outH - 1) * g.sh + 1, j + (g.outW - 1) * g.sw + 1, g.inC],
              [1, g.sh, g.sw, 1],
            ),
          );
        }
      }
    }
    owned.push(...parts);
    let patches = parts[0] as TensorInfo;
    if (parts.length > 1) {
      patches = ops.concat(parts, 3);
      owned.push(patches);
    }
    return ops.reshape(patches, [nb * g.outH * g.outW, g.kh * g.kw * g.inC]);
  } finally {
    ops.release(...owned);
  }
}

/**
 * col2im on cpu / wasm memory: the adjoint of im2colOnHost. Sums the rows of `cols`
 * [batch*outH*outW, kh*kw*inC] back into a zero-initialised NHWC [batch, inH, inW, inC] tensor.
 */
export function col2imOnHost(ops: BackendOps, cols: TensorInfo, g: PatchGeometry): TensorInfo {
  const { batch, inH, inW, inC, kh, kw, sh, sw, top, left, outH, outW } = g;
  const out = ops.allocateHost([batch, inH, inW, inC]);
  const dx = ops.hostView(out);
  dx.fill(0);
  const src = ops.hostView(cols);
  const spanLen = kw * inC;
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const imageBase = b * inH * inW * inC;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sw - left;
        const fullSpan = ix0 >= 0 && ix0 + kw <= inW;
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh + i - top;
          if (iy >= 0 && iy < inH) {
            if (fullSpan) {
              const d = imageBase + (iy * inW + ix0) * inC;
              for (let k = 0; k < spanLen; k++)
                dx[d + k] = (dx[d + k] as number) + (src[o + k] as number);
            } else {
              for (let j = 0; j < kw; j++) {
                const ix = ix0 + j;
                if (ix < 0 || ix >= inW) continue;
                const d = imageBase + (iy * inW + ix) * inC;
                const s = o + j * inC;
                for (let c = 0; c < inC; c++)
                  dx[d + c] = (dx[d + c] as number) + (src[s + c] as number);
              }
            }
          }
          o += spanLen;
        }
      }
    }
  }
  return out;
}
