import type * as tf from '@tensorflow/tfjs';

/**
 * The part of tfjs-backend-webgpu's WebGPUBackend our programs use. A program is a plain object
 * in that backend's program format (the fields its shader generator reads): `variableNames` (the
 * inputs, bound as storage arrays of those names), `uniforms` (a WGSL struct body, filled from the
 * `uniforms` argument in order), `workgroupSize`, `size: true` (adds `uniforms.size`, the output
 * length), `outputShape`, `dispatchLayout`, `dispatch`, a `shaderKey` naming the compiled
 * pipeline, and `getUserCode()` defining `fn main(index : i32)` that calls setOutputAtIndex.
 */
export interface WebGpuBackendLike {
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    programUniforms?: WebGpuUniform[],
  ): tf.TensorInfo;
}

export interface WebGpuUniform {
  type: 'float32' | 'int32';
  data: number[];
}

export interface WebGpuProgram {
  variableNames: string[];
  uniforms: string;
  workgroupSize: [number, number, number];
  size: boolean;
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;
  getUserCode(): string;
}

export const FLAT_WORKGROUP = 64;

/** A one-output-element-per-thread program over `outputShape` (flat dispatch). */
export function flatProgram(
  shaderKey: string,
  variableNames: string[],
  uniforms: string,
  outputShape: number[],
  body: string,
): WebGpuProgram {
  const n = outputShape.reduce((a, b) => a * b, 1);
  return {
    variableNames,
    uniforms,
    workgroupSize: [FLAT_WORKGROUP, 1, 1],
    size: true,
    outputShape,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(n / FLAT_WORKGROUP), 1, 1],
    shaderKey,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/** A rank-1 view of a tensor's data (no copy; valid while the tensor is). */
export function flatView(t: tf.TensorInfo): tf.TensorInfo {
  return { dataId: t.dataId, shape: [t.shape.reduce((a, b) => a * b, 1)], dtype: t.dtype };
}
