/**
 * Independent reference implementations (plain loops over Float64 accumulators, NHWC, HWIO)
 * used by the tests to check the registered kernels. Deliberately written from the textbook
 * definition, sharing no code with the kernels under test.
 */
export interface NaiveConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kh: number;
  kw: number;
  outC: number;
  strideH: number;
  strideW: number;
  /** 'same' follows TensorFlow: total padding max((out-1)*s + k - in, 0), the smaller half on top. */
  padding: 'same' | 'valid';
}

export function outputSize(g: NaiveConvGeometry): {
  outH: number;
  outW: number;
  top: number;
  left: number;
} {
  if (g.padding === 'valid') {
    return {
      outH: Math.floor((g.inH - g.kh) / g.strideH) + 1,
      outW: Math.floor((g.inW - g.kw) / g.strideW) + 1,
      top: 0,
      left: 0,
    };
  }
  const outH = Math.ceil(g.inH / g.strideH);
  const outW = Math.ceil(g.inW / g.strideW);
  const padH = Math.max((outH - 1) * g.strideH + g.kh - g.inH, 0);
  const padW = Math.max((outW - 1) * g.strideW + g.kw - g.inW, 0);
  return { outH, outW, top: Math.floor(padH / 2), left: Math.floor(padW / 2) };
}

/** dW[i,j,ci,co] = sum_{b,y,x} in[b, y*s+i-top, x*s+j-left, ci] * dy[b,y,x,co]. */
export function naiveConv2dFilterGrad(
  x: Float32Array,
  dy: Float32Array,
  g: NaiveConvGeometry,
): Float64Array {
  const { outH, outW, top, left } = outputSize(g);
  const dw = new Float64Array(g.kh * g.kw * g.inC * g.outC);
  for (let i = 0; i < g.kh; i++)
    for (let j = 0; j < g.kw; j++)
      for (let ci = 0; ci < g.inC; ci++)
        for (let co = 0; co < g.outC; co++) {
          let acc = 0;
          for (let b = 0; b < g.batch; b++)
            for (let y = 0; y < outH; y++) {
              const iy = y * g.strideH + i - top;
              if (iy < 0 || iy >= g.inH) continue;
              for (let xo = 0; xo < outW; xo++) {
                const ix = xo * g.strideW + j - left;
                if (ix < 0 || ix >= g.inW) continue;
                acc +=
                  (x[((b * g.inH + iy) * g.inW + ix) * g.inC + ci] as number) *
                  (dy[((b * outH + y) * outW + xo) * g.outC + co] as number);
              }
            }
          dw[((i * g.kw + j) * g.inC + ci) * g.outC + co] = acc;
        }
  return dw;
}

/** dx[b,iy,ix,ci] = sum over (y,x,i,j) with y*s+i-top=iy, x*s+j-left=ix of dy[b,y,x,co]*w[i,j,ci,co]. */
export function naiveConv2dInputGrad(
  dy: Float32Array,
  w: Float32Array,
  g: NaiveConvGeometry,
): Float64Array {
  const { outH, outW, top, left } = outputSize(g);
  const dx = new Float64Array(g.batch * g.inH * g.inW * g.inC);
  for (let b = 0; b < g.batch; b++)
    for (let y = 0; y < outH; y++)
      for (let xo = 0; xo < outW; xo++)
        for (let i = 0; i < g.kh; i++) {
          const iy = y * g.strideH + i - top;
          if (iy < 0 || iy >= g.inH) continue;
          for (let j = 0; j < g.kw; j++) {
            const ix = xo * g.strideW + j - left;
            if (ix < 0 || ix >= g.inW) continue;
            for (let ci = 0; ci < g.inC; ci++) {
              let acc = 0;
              for (let co = 0; co < g.outC; co++)
                acc +=
                  (dy[((b * outH + y) * outW + xo) * g.outC + co] as number) *
                  (w[((i * g.kw + j) * g.inC + ci) * g.outC + co] as number);
              const at = ((b * g.inH + iy) * g.inW + ix) * g.inC + ci;
              dx[at] = (dx[at] as number) + acc;
            }
          }
        }
  return dx;
}
