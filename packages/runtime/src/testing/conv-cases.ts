import type { NaiveConvGeometry } from './naive-conv.js';

/**
 * Convolution geometries the gradient kernels are checked on: strides 1/2 (and mixed), same /
 * valid padding, 1x1, 3x3, 7x7 and non-square filters, batch 1-4, odd sizes, a range of channels.
 */
export const CONV_CASES: NaiveConvGeometry[] = [
  { batch: 1, inH: 5, inW: 5, inC: 1, kh: 1, kw: 1, outC: 1, strideH: 1, strideW: 1, padding: 'valid' },
  { batch: 2, inH: 8, inW: 8, inC: 16, kh: 1, kw: 1, outC: 8, strideH: 1, strideW: 1, padding: 'same' },
  { batch: 3, inH: 7, inW: 9, inC: 5, kh: 1, kw: 1, outC: 6, strideH: 2, strideW: 2, padding: 'valid' },
  { batch: 2, inH: 6, inW: 6, inC: 4, kh: 1, kw: 1, outC: 3, strideH: 2, strideW: 2, padding: 'same' },
  { batch: 1, inH: 6, inW: 6, inC: 3, kh: 3, kw: 3, outC: 4, strideH: 1, strideW: 1, padding: 'same' },
  { batch: 4, inH: 9, inW: 7, inC: 8, kh: 3, kw: 3, outC: 12, strideH: 1, strideW: 1, padding: 'same' },
  { batch: 2, inH: 10, inW: 10, inC: 6, kh: 3, kw: 3, outC: 5, strideH: 1, strideW: 1, padding: 'valid' },
  { batch: 3, inH: 11, inW: 11, inC: 4, kh: 3, kw: 3, outC: 8, strideH: 2, strideW: 2, padding: 'same' },
  { batch: 2, inH: 12, inW: 10, inC: 3, kh: 3, kw: 3, outC: 7, strideH: 2, strideW: 2, padding: 'valid' },
  { batch: 1, inH: 16, inW: 16, inC: 3, kh: 7, kw: 7, outC: 8, strideH: 2, strideW: 2, padding: 'same' },
  { batch: 2, inH: 15, inW: 13, inC: 2, kh: 7, kw: 7, outC: 4, strideH: 1, strideW: 1, padding: 'same' },
  { batch: 2, inH: 14, inW: 14, inC: 3, kh: 7, kw: 7, outC: 5, strideH: 2, strideW: 2, padding: 'valid' },
  { batch: 3, inH: 9, inW: 8, inC: 5, kh: 3, kw: 2, outC: 4, strideH: 2, strideW: 1, padding: 'same' },
  { batch: 2, inH: 10, inW: 11, inC: 4, kh: 2, kw: 3, outC: 6, strideH: 1, strideW: 2, padding: 'valid' },
  { batch: 4, inH: 16, inW: 16, inC: 24, kh: 3, kw: 3, outC: 12, strideH: 1, strideW: 1, padding: 'same' },
  { batch: 2, inH: 8, inW: 8, inC: 48, kh: 1, kw: 1, outC: 32, strideH: 1, strideW: 1, padding: 'valid' },
];

export function describeCase(g: NaiveConvGeometry): string {
  return `x[${g.batch},${g.inH},${g.inW},${g.inC}] w[${g.kh},${g.kw},${g.inC},${g.outC}] s(${g.strideH},${g.strideW}) ${g.padding}`;
}
