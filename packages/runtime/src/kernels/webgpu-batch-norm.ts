import type * as tf from '@tensorflow/tfjs';
import type { BackendOps } from './backend-ops.js';
import {
  type BatchNormForwardInputs,
  type BatchNormGradInputs,
  checkForwardInputs,
  checkGradInputs,
  checkMovingAverageInputs,
  type MovingAverageInputs,
} from './batch-norm.js';
import {
  f32,
  flatProgram,
  flatView,
  i32,
  runFlat,
  type WebGpuBackendLike,
  type WebGpuProgram,
} from './webgpu-program.js';

/**
 * The fused batch-norm kernels on webgpu as WGSL programs: 5 dispatches forward (per-channel
 * partial sums over row chunks, their combination into the mean, the same for the centred
 * squares — two passes, so a large mean does not cost precision — and the normalisation) and 4
 * backward, instead of the ~20 dispatches and several scalar uploads of the composite path.
 * Partial sums run one thread per (row chunk, channel): neighbouring threads read neighbouring
 * channels, and there are enough chunks to fill a large GPU.
 */
const ROWS_PER_CHUNK = 256;

/** Row chunks of the partial sums for N rows. */
function chunks(N: number): number {
  return Math.max(1, Math.ceil(N / ROWS_PER_CHUNK));
}

const CHUNK_UNIFORMS = 'rows : i32, channels : i32, chunk : i32,';

/** [S, C]: Σ over the chunk's rows of x (mode 'sum') or of (x − mean)² ('centredSquares'). */
function partialSums(mode: 'sum' | 'centredSquares', S: number, C: number): WebGpuProgram {
  const term = mode === 'sum' ? 'x[r * uniforms.channels + c]' : 'd * d';
  const centre = mode === 'sum' ? '' : 'let d = x[r * uniforms.channels + c] - mean[c];';
  return flatProgram(
    `cihmlcBnPartial_${mode}`,
    mode === 'sum' ? ['x'] : ['x', 'mean'],
    CHUNK_UNIFORMS,
    [S, C],
    `let c = index % uniforms.channels;
          let s = index / uniforms.channels;
          let end = min(uniforms.rows, (s + 1) * uniforms.chunk);
          var acc = 0.0;
          for (var r = s * uniforms.chunk; r < end; r++) {
            ${centre}
            acc += ${term};
          }
          setOutputAtIndex(index, acc);`,
  );
}

/** [S, 2C]: per chunk, Σ dy (first C) and Σ dy·(x − mean) (next C). */
function partialGradSums(S: number, C: number): WebGpuProgram {
  return flatProgram(
    'cihmlcBnPartialGrad',
    ['dy', 'x', 'mean'],
    CHUNK_UNIFORMS,
    [S, 2 * C],
    `let j = index % (2 * uniforms.channels);
          let s = index / (2 * uniforms.channels);
          let c = j % uniforms.channels;
          let end = min(uniforms.rows, (s + 1) * uniforms.chunk);
          var acc = 0.0;
          if (j < uniforms.channels) {
            for (var r = s * uniforms.chunk; r < end; r++) { acc += dy[r * uniforms.channels + c]; }
          } else {
            for (var r = s * uniforms.chunk; r < end; r++) {
              let k = r * uniforms.channels + c;
              acc += dy[k] * (x[k] - mean[c]);
            }
          }
          setOutputAtIndex(index, acc);`,
  );
}

/**
 * [C]: Σ over s of partial[s·stride + offset + c], times `scale` — or, with the variance, times
 * invstd = 1/sqrt(variance + epsilon) (dgamma).
 */
function combine(C: number, withInvStd: boolean): WebGpuProgram {
  return flatProgram(
    withInvStd ? 'cihmlcBnCombineInvStd' : 'cihmlcBnCombine',
    withInvStd ? ['partial', 'variance'] : ['partial'],
    'parts : i32, stride : i32, offset : i32, scale : f32, epsilon : f32,',
    [C],
    `var acc = 0.0;
          for (var s = 0; s < uniforms.parts; s++) { acc += partial[s * uniforms.stride + uniforms.offset + index]; }
          ${withInvStd ? 'acc = acc / sqrt(variance[index] + uniforms.epsilon);' : 'acc = acc * uniforms.scale;'}
          setOutputAtIndex(index, acc);`,
  );
}

export function batchNormForwardWebGpu(
  ops: BackendOps,
  inputs: BatchNormForwardInputs,
  epsilon: number,
): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs;
  const [C, N] = checkForwardInputs(inputs);
  const S = chunks(N);
  const be = ops.backend as unknown as WebGpuBackendLike;
  const chunk = [i32(N), i32(C), i32(ROWS_PER_CHUNK)];
  const scale = N > 0 ? 1 / N : 0;
  // Means of the partial sums over the S chunks (the same uniforms for x and the squares).
  const meanOfParts = [i32(S), i32(C), i32(0), f32(scale), f32(epsilon)];
  const sums = be.runWebGPUProgram(partialSums('sum', S, C), [flatView(x)], 'float32', chunk);
  const mean = be.runWebGPUProgram(combine(C, false), [flatView(sums)], 'float32', meanOfParts);
  const squares = be.runWebGPUProgram(
    partialSums('centredSquares', S, C),
    [flatView(x), mean],
    'float32',
    chunk,
  );
  const variance = be.runWebGPUProgram(
    combine(C, false),
    [flatView(squares)],
    'float32',
    meanOfParts,
  );
  ops.release(sums, squares);
  const normalise = flatProgram(
    'cihmlcBnNormalise',
    ['x', 'mean', 'variance', 'gamma', 'beta'],
    'channels : i32, epsilon : f32,',
    [N * C],
    `let c = index % uniforms.channels;
          let scale = gamma[c] / sqrt(variance[c] + uniforms.epsilon);
          setOutputAtIndex(index, (x[index] - mean[c]) * scale + beta[c]);`,
  );
  const y = runFlat(be, normalise, [x, mean, variance, gamma, beta], x.shape, [
    i32(C),
    f32(epsilon),
  ]);
  return [y, mean, variance];
}

export function batchNormGradWebGpu(
  ops: BackendOps,
  inputs: BatchNormGradInputs,
  epsilon: number,
): tf.TensorInfo[] {
  const { dy, x, mean, variance, gamma } = inputs;
  const [C, N] = checkGradInputs(inputs);
  const S = chunks(N);
  const be = ops.backend as unknown as WebGpuBackendLike;
  const partial = be.runWebGPUProgram(
    partialGradSums(S, C),
    [flatView(dy), flatView(x), mean],
    'float32',
    [i32(N), i32(C), i32(ROWS_PER_CHUNK)],
  );
  const combineUniforms = (offset: number) => [
    i32(S),
    i32(2 * C),
    i32(offset),
    f32(1),
    f32(epsilon),
  ];
  const dBeta = be.runWebGPUProgram(
    combine(C, false),
    [flatView(partial)],
    'float32',
    combineUniforms(0),
  );
  const dGamma = be.runWebGPUProgram(
    combine(C, true),
    [flatView(partial), variance],
    'float32',
    combineUniforms(C),
  );
  ops.release(partial);
  const dxProgram = flatProgram(
    'cihmlcBnDx',
    ['dy', 'x', 'mean', 'variance', 'gamma', 'dBeta', 'dGamma'],
    'channels : i32, rows : f32, epsilon : f32,',
    [N * C],
    `let c = index % uniforms.channels;
          let invStd = 1.0 / sqrt(variance[c] + uniforms.epsilon);
          let xHat = (x[index] - mean[c]) * invStd;
          setOutputAtIndex(index, gamma[c] * invStd / uniforms.rows * (uniforms.rows * dy[index] - dBeta[c] - xHat * dGamma[c]));`,
  );
  const dx = runFlat(be, dxProgram, [dy, x, mean, variance, gamma, dBeta, dGamma], x.shape, [
    i32(C),
    f32(N),
    f32(epsilon),
  ]);
  return [dx, dGamma, dBeta];
}

/** The moving-average update as one dispatch, `decay` in the uniform buffer (no upload). */
export function movingAverageWebGpu(
  ops: BackendOps,
  inputs: MovingAverageInputs,
  decay: number,
): tf.TensorInfo {
  const n = checkMovingAverageInputs(inputs, decay);
  const { moving, value } = inputs;
  const program = flatProgram(
    'cihmlcMovingAverage',
    ['moving', 'value'],
    'decay : f32,',
    [n],
    'setOutputAtIndex(index, moving[index] - (moving[index] - value[index]) * uniforms.decay);',
  );
  return runFlat(ops.backend, program, [moving, value], moving.shape, [f32(decay)]);
}
