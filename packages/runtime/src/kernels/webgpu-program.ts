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

export const i32 = (v: number): WebGpuUniform => ({ type: 'int32', data: [v] });
export const f32 = (v: number): WebGpuUniform => ({ type: 'float32', data: [v] });

/**
 * Runs a flat `program` on rank-1 views of `inputs` (one compiled shader whatever their ranks)
 * and returns its float32 output as a tensor of `shape`.
 */
export function runFlat(
  backend: unknown,
  program: WebGpuProgram,
  inputs: tf.TensorInfo[],
  shape: readonly number[],
  uniforms?: WebGpuUniform[],
): tf.TensorInfo {
  const out = (backend as WebGpuBackendLike).runWebGPUProgram(
    program,
    inputs.map(flatView),
    'float32',
    uniforms,
  );
  return { dataId: out.dataId, shape: [...shape], dtype: 'float32' };
}

/**
 * Direct dispatch: a hand-written compute pipeline recorded into tfjs-backend-webgpu's own
 * command stream, for the one thing its program format cannot express — writing several existing
 * buffers in place (an Adam step writes the parameter and both moments: one dispatch instead of
 * three, and no new buffers). It uses WebGPUBackend internals of the pinned tfjs-backend-webgpu
 * 4.22 (`tensorMap`, the command encoder and pass, `commandQueueOwnedIds`, `makeUniforms`);
 * `webGpuInternals` returns undefined when they are not there, and callers then take the
 * program path.
 */
interface GpuTensorData {
  dtype: tf.DataType;
  refCount: number;
  values: unknown;
  resource: unknown;
  external?: boolean;
}

export interface GpuBufferBinding {
  buffer: unknown;
  offset?: number;
  size?: number;
}

interface GpuPass {
  setPipeline(pipeline: unknown): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
}

export interface GpuDevice {
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): {
    getBindGroupLayout(i: number): unknown;
  };
  createBindGroup(d: {
    layout: unknown;
    entries: Array<{ binding: number; resource: GpuBufferBinding }>;
  }): unknown;
  limits: Record<string, number>;
}

export interface WebGpuInternals {
  device: GpuDevice;
  tensorMap: { get(dataId: tf.DataId): GpuTensorData | undefined };
  commandQueueOwnedIds: { add(dataId: tf.DataId): void };
  commandEncoder: { beginComputePass(d: object): GpuPass } | null;
  computePassEncoder: GpuPass | null;
  dispatchCountInPass: number;
  activeTimers: unknown[] | null | undefined;
  uploadToGPU(dataId: tf.DataId): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  makeUniforms(uniforms: Array<{ type: 'float32' | 'int32'; data: number[] }>): GpuBufferBinding;
}

/** The backend's internals, or undefined where this version of it lacks one of them. */
export function webGpuInternals(backend: unknown): WebGpuInternals | undefined {
  const b = backend as Partial<Record<keyof WebGpuInternals, unknown>>;
  const functions: Array<keyof WebGpuInternals> = [
    'uploadToGPU',
    'ensureCommandEncoderReady',
    'endComputePassEncoder',
    'submitQueue',
    'makeUniforms',
  ];
  if (functions.some((f) => typeof b[f] !== 'function')) return undefined;
  const tensorMap = b.tensorMap as { get?: unknown } | undefined;
  const owned = b.commandQueueOwnedIds as { add?: unknown } | undefined;
  if (typeof tensorMap?.get !== 'function' || typeof owned?.add !== 'function') return undefined;
  if (typeof b.dispatchCountInPass !== 'number' || b.device == null) return undefined;
  return backend as WebGpuInternals;
}

/**
 * The GPU buffer of a float32 tensor that nothing else refers to (backend refCount 1, not an
 * external buffer), uploaded if needed: the only kind that may be written in place.
 */
export function exclusiveBuffer(be: WebGpuInternals, t: tf.TensorInfo): unknown {
  const data = be.tensorMap.get(t.dataId);
  if (data?.refCount !== 1 || data.dtype !== 'float32' || data.external) return undefined;
  return gpuBuffer(be, t);
}

/** The GPU buffer of any tensor (uploaded if needed), for reading. */
export function gpuBuffer(be: WebGpuInternals, t: tf.TensorInfo): unknown {
  be.uploadToGPU(t.dataId);
  return be.tensorMap.get(t.dataId)?.resource ?? undefined;
}

/**
 * Records one dispatch of `pipeline` into the backend's current compute pass, as its own
 * runWebGPUProgram does: the tensors' buffers are held until the commands are submitted, the
 * pass is submitted every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE dispatches, and the host copies of
 * the tensors written in place (`written`) are dropped, so later reads see the new values.
 */
export function recordDispatch(
  be: WebGpuInternals,
  pipeline: { getBindGroupLayout(i: number): unknown },
  bindings: GpuBufferBinding[],
  workgroups: [number, number, number],
  used: tf.TensorInfo[],
  written: tf.TensorInfo[],
  submitBatchSize: number,
): void {
  const bindGroup = be.device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: bindings.map((resource, binding) => ({ binding, resource })),
  });
  for (const t of used) be.commandQueueOwnedIds.add(t.dataId);
  be.ensureCommandEncoderReady();
  if (!be.computePassEncoder) {
    be.computePassEncoder = (
      be.commandEncoder as NonNullable<WebGpuInternals['commandEncoder']>
    ).beginComputePass({});
  }
  be.computePassEncoder.setPipeline(pipeline);
  be.computePassEncoder.setBindGroup(0, bindGroup);
  be.computePassEncoder.dispatchWorkgroups(...workgroups);
  be.dispatchCountInPass++;
  for (const t of written) {
    const data = be.tensorMap.get(t.dataId);
    if (data) data.values = null;
  }
  if (submitBatchSize <= be.dispatchCountInPass) {
    be.endComputePassEncoder();
    be.submitQueue();
  }
}
