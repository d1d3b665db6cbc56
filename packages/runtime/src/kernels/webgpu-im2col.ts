import type * as tf from '@tensorflow/tfjs';
import type { PatchGeometry } from './im2col.js';
import { flatProgram, i32, runFlat } from './webgpu-program.js';

const GEOMETRY = [
  'inH',
  'inW',
  'inC',
  'kw',
  'sh',
  'sw',
  'top',
  'left',
  'outH',
  'outW',
  'b0',
  'patchLen',
] as const;

/**
 * im2col of NHWC `x` for images [b0, b0+nb) as one WebGPU program (one dispatch, instead of a
 * pad, kh·kw slices and a concat): [nb·outH·outW, kh·kw·inC], row (b, oy, ox), column (i, j, ci)
 * with ci fastest — the layout of a [kh, kw, inC, outC] filter flattened — and zeros where the
 * window reaches into the padding. The geometry is passed as uniforms, so one compiled shader
 * serves every convolution.
 */
export function im2colWebGpu(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  g: PatchGeometry,
  b0: number,
  nb: number,
): tf.TensorInfo {
  const patchLen = g.kh * g.kw * g.inC;
  const rows = nb * g.outH * g.outW;
  const values: Record<(typeof GEOMETRY)[number], number> = { ...g, b0, patchLen };
  const uniforms = GEOMETRY.map((k) => i32(values[k]));
  const program = flatProgram(
    'cihmlcIm2col',
    ['image'],
    GEOMETRY.map((k) => `${k} : i32,`).join(' '),
    [rows, patchLen],
    `let r = index / uniforms.patchLen;
          let c = index - r * uniforms.patchLen;
          let ci = c % uniforms.inC;
          let j = (c / uniforms.inC) % uniforms.kw;
          let i = c / (uniforms.inC * uniforms.kw);
          let ox = r % uniforms.outW;
          let oy = (r / uniforms.outW) % uniforms.outH;
          let b = r / (uniforms.outW * uniforms.outH) + uniforms.b0;
          let iy = oy * uniforms.sh - uniforms.top + i;
          let ix = ox * uniforms.sw - uniforms.left + j;
          var v = 0.0;
          if (iy >= 0 && iy < uniforms.inH && ix >= 0 && ix < uniforms.inW) {
            v = image[((b * uniforms.inH + iy) * uniforms.inW + ix) * uniforms.inC + ci];
          }
          setOutputAtIndex(index, v);`,
  );
  return runFlat(backend, program, [x], [rows, patchLen], uniforms);
}
