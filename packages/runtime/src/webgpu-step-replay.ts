import * as tf from '@tensorflow/tfjs';

/**
 * Record once, replay the training step (what CUDA graphs do for PyTorch), for TF.js's webgpu
 * backend (tfjs-backend-webgpu 4.22 internals).
 *
 * A training step of fixed shapes issues the same WebGPU work every time: the same pipelines,
 * dispatch sizes, buffer copies and uniform contents, on buffers that hold the same roles. Running
 * it through TF.js costs hundreds of milliseconds of JavaScript per DenseNet-121 step (engine,
 * tape, tfjs-layers, ~2,900 programs each packing uniforms and asking for a bind group).
 * captureTrainingStep runs the step twice through TF.js while recording every command it issues
 * (compute passes, copies, uniform writes, host → GPU uploads, submits), checks that the two
 * recordings match, and then re-encodes the second one directly each step:
 *
 * - Per-step inputs (`options.inputs`, e.g. the batch's x and y) are copied into the captured
 *   step's private input buffers.
 * - Uniforms are constant across steps except Adam's: each uniform write that changed between the
 *   two recorded steps must be an in-place CihmlcAdamUpdate of `options.optimizer` (its layout
 *   and step-dependent values, 1 − β1^t and 1 − β2^t, and −lr are checked against the optimizer's
 *   own values for both steps), and is recomputed for each replayed step. Every uniform gets its
 *   own slot in a buffer owned by the capture, written once, so a replayed step writes no
 *   constant uniforms at all; Adam's slots are rewritten with one writeBuffer per step.
 * - Uploads of host data inside the step (constants such as a loss's scalars) are replayed from
 *   buffers owned by the capture; an upload whose values changed between the two recorded steps
 *   is accepted only with `randomUploads` (tf.dropout's mask: tf.randomUniform(shape, 0, 1) drawn
 *   on the host) and is drawn again with tf.randomUniform for each replayed step.
 * - Persistent state: parameters and Adam moments written in place keep their buffers; a variable
 *   that the step re-assigns to a new tensor (the batch-norm moving statistics, which
 *   CihmlcMovingAverage writes into new tensors) is copied at the start of each replayed step from
 *   its current buffer into the buffer the recorded step read it from.
 * - Every buffer the recording uses is owned by the capture: kept out of the backend's buffer pool
 *   (until release()), so nothing else is given it between replays.
 * - The step's outputs (e.g. the loss) land in the recorded output buffers and are copied to
 *   mappable buffers at the end of each replayed step, read asynchronously (`outputs()`).
 *
 * Whatever cannot be proven identical takes the normal path (stepFn through TF.js), and `reason`
 * says why: a backend other than webgpu, a step that reads data back to the host, a profiler
 * timing kernels, two recordings that differ in their commands, an undeclared changed uniform or
 * upload, inputs of another shape or dtype at run(), a variable re-assigned since the capture.
 */

type Buffer = { size: number; usage: number; destroy(): void; mapAsync?: unknown };
interface BindEntry {
  binding: number;
  resource: { buffer: Buffer; offset?: number; size?: number };
}
interface Pass {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}
interface Encoder {
  beginComputePass(d?: object): Pass;
  copyBufferToBuffer(s: Buffer, so: number, d: Buffer, dOff: number, size: number): void;
  finish(): unknown;
  [k: string]: unknown;
}
interface Queue {
  submit(c: unknown[]): void;
  writeBuffer(
    b: Buffer,
    off: number,
    data: ArrayBuffer | ArrayBufferView,
    dOff?: number,
    size?: number,
  ): void;
}
interface Device {
  createCommandEncoder(d?: object): Encoder;
  createBindGroup(d: { layout: unknown; entries: BindEntry[] }): unknown;
  createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean }): Buffer;
  queue: Queue;
  limits: Record<string, number>;
}
interface TensorData {
  values: unknown;
  resource: unknown;
  dtype: string;
  shape: number[];
}
interface Pool {
  freeBuffers: Map<string, Buffer[]>;
  numFreeBuffers: number;
  releaseBuffer(b: Buffer, reuse?: boolean): void;
}
interface Backend {
  device: Device;
  queue: Queue;
  tensorMap: { get(id: object): TensorData | undefined };
  bufferManager: Pool;
  commandEncoder: unknown;
  activeTimers: unknown;
  uploadToGPU(id: object): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  getBufferData(b: unknown): Promise<unknown>;
  read(id: object): Promise<unknown>;
  readSync(id: object): unknown;
}

type Op =
  | { k: 'pipe'; p: unknown }
  | { k: 'bind'; i: number; g: unknown }
  | { k: 'dispatch'; x: number; y: number; z: number }
  | { k: 'copy'; s: Buffer; so: number; d: Buffer; dOff: number; size: number }
  | { k: 'write'; b: Buffer; off: number; data: Uint8Array }
  | { k: 'upload'; b: Buffer; data: Uint8Array; dtype: string; shape: number[] }
  | { k: 'submit' };

interface Backend {
  write(values: unknown, shape: number[], dtype: string): object;
}

interface Recording {
  ops: Op[];
  groups: Map<unknown, { layout: unknown; entries: BindEntry[] }>;
  outputs: tf.Tensor[];
  /** Variable name → buffer before and after the step. */
  before: Map<string, Buffer>;
  after: Map<string, Buffer>;
  problems: string[];
  iterationsBefore: number;
  /** float32 tensors created from host values during the step (random draws, constants). */
  hostWrites: Float32Array[];
}

export interface CaptureOptions {
  /** Tensors the step reads whose values change from step to step (the batch), in stepFn's argument order. */
  inputs: tf.Tensor[];
  /** The optimizer stepFn applies (a FusedAdamOptimizer, i.e. in-place CihmlcAdamUpdate): its per-step uniforms are recomputed, and its iteration count advanced, at each replayed step. */
  optimizer?: tf.Optimizer;
  /**
   * Uploads whose values differ between steps are uniform [0, 1) draws made on the host (tf.dropout's
   * masks). `true`: drawn again with an unseeded tf.randomUniform for each replayed step. A
   * SeededDraws: each step has a key (e.g. its dropout seed) and the draws are the caller's, so a
   * replayed step draws exactly what the normal path would for that key. Default false (such an
   * upload makes the capture fall back).
   */
  randomUploads?: boolean | SeededDraws;
  /**
   * Leave the training state as it was found: the two recorded steps are real steps, so without
   * this the model and optimizer have taken two steps on `inputs`; with it every variable
   * (parameters, moving statistics, optimizer moments) and the optimizer's iteration count are put
   * back, bit for bit, before captureTrainingStep returns. Default false.
   */
  restoreState?: boolean;
}

/** Host random draws keyed per step (see CaptureOptions.randomUploads). */
export interface SeededDraws {
  /** The keys of the two recorded steps (distinct, so that their draws differ). */
  readonly recordKeys: readonly [number, number];
  /** Called before every stepFn call the capture makes (recorded or normal path) with its step's key. */
  begin(key: number): void;
  /**
   * The uniform [0, 1) values the step of `key` draws for its random uploads, one array per upload
   * shape, in the order the step uploads them. Checked at capture: they must reproduce both
   * recorded steps' uploads bit for bit, or the capture falls back.
   */
  draw(key: number, shapes: readonly number[][]): Float32Array[];
}

export interface ReplayHandle {
  /** 'replay', or 'normal' where this step took TF.js's path (then `reason` says why). */
  readonly path: 'replay' | 'normal';
  readonly reason: string;
  /** The step's outputs (stepFn's returned tensors), read asynchronously. */
  outputs(): Promise<Float32Array[]>;
}

export interface StepCapture {
  /** Whether run() replays; when false, `reason` says why and run() takes the normal path. */
  readonly replayable: boolean;
  readonly reason: string;
  /** What one replayed step issues, and what the capture owns. */
  readonly stats: {
    dispatches: number;
    copies: number;
    uploads: number;
    adamUniforms: number;
    randomUploads: number;
    movedVariables: number;
    ownedBuffers: number;
  };
  /**
   * One step: replayed, or through stepFn where it cannot be. Inputs default to the captured ones.
   * `key`: the step's key for SeededDraws (required with them).
   */
  run(inputs?: Array<tf.Tensor | Float32Array | Int32Array>, key?: number): ReplayHandle;
  /** Gives the owned buffers back to the backend's pool and releases the captured tensors. */
  release(): void;
}

export type StepFn = (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[] | null | undefined;

const UNIFORM = 0x40;
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;

function asList(out: ReturnType<StepFn>): tf.Tensor[] {
  if (out == null) return [];
  return Array.isArray(out) ? out : [out];
}

function bytesOf(data: ArrayBuffer | ArrayBufferView, dOff = 0, size?: number): Uint8Array {
  if (data instanceof ArrayBuffer) {
    return new Uint8Array(data, dOff, size ?? data.byteLength - dOff).slice();
  }
  const per = (data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
  const start = data.byteOffset + dOff * per;
  const length = size === undefined ? data.byteLength - dOff * per : size * per;
  return new Uint8Array(data.buffer, start, length).slice();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The normal path: stepFn through TF.js, outputs read asynchronously. */
function normalStep(stepFn: StepFn, inputs: tf.Tensor[], reason: string): ReplayHandle {
  const outs = asList(stepFn(...inputs));
  let read: Promise<Float32Array[]> | undefined;
  return {
    path: 'normal',
    reason,
    outputs() {
      read ??= Promise.all(
        outs.map(async (t) => {
          const v = Float32Array.from(await t.data());
          t.dispose();
          return v;
        }),
      );
      return read;
    },
  };
}

function flush(be: Backend) {
  be.endComputePassEncoder();
  if (be.commandEncoder) be.submitQueue();
}

function variables(): Array<[string, tf.Variable]> {
  return Object.entries(tf.engine().registeredVariables);
}

/** Variables whose values are on the GPU: name → buffer (host-resident ones, e.g. Adam's accBeta, have none). */
function gpuVariables(be: Backend): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, v] of variables()) {
    const buffer = be.tensorMap.get(v.dataId)?.resource as Buffer | undefined;
    if (buffer) out.set(name, buffer);
  }
  return out;
}

/** Runs stepFn once through TF.js while recording the WebGPU commands it issues. */
function record(
  be: Backend,
  stepFn: StepFn,
  inputs: tf.Tensor[],
  optimizer?: tf.Optimizer,
): Recording {
  const ops: Op[] = [];
  const problems: string[] = [];
  const groups = new Map<unknown, { layout: unknown; entries: BindEntry[] }>();
  const device = be.device;
  const queue = be.queue;
  const restore: Array<() => void> = [];
  const patch = (target: object, name: string, fn: unknown) => {
    const t = target as Record<string, unknown>;
    const had = Object.hasOwn(t, name);
    const original = t[name];
    t[name] = fn;
    restore.push(() => {
      if (had) t[name] = original;
      else delete t[name];
    });
    return original as (...a: unknown[]) => unknown;
  };
  let inUpload = false;
  const createEncoder = patch(device, 'createCommandEncoder', (d?: object) => {
    const encoder = createEncoder.call(device, d) as Encoder;
    const begin = encoder.beginComputePass;
    encoder.beginComputePass = (desc?: object) => {
      if (desc && Object.keys(desc).length > 0)
        problems.push('a compute pass with timestamp writes');
      const pass = begin.call(encoder, desc);
      const { setPipeline, setBindGroup, dispatchWorkgroups } = pass;
      pass.setPipeline = (p: unknown) => {
        ops.push({ k: 'pipe', p });
        setPipeline.call(pass, p);
      };
      pass.setBindGroup = (i: number, g: unknown) => {
        ops.push({ k: 'bind', i, g });
        setBindGroup.call(pass, i, g);
      };
      pass.dispatchWorkgroups = (x: number, y = 1, z = 1) => {
        ops.push({ k: 'dispatch', x, y, z });
        dispatchWorkgroups.call(pass, x, y, z);
      };
      return pass;
    };
    const copy = encoder.copyBufferToBuffer;
    encoder.copyBufferToBuffer = (s, so, dst, dOff, size) => {
      if (!inUpload) ops.push({ k: 'copy', s, so, d: dst, dOff, size });
      copy.call(encoder, s, so, dst, dOff, size);
    };
    for (const name of [
      'clearBuffer',
      'resolveQuerySet',
      'writeTimestamp',
      'copyBufferToTexture',
      'copyTextureToBuffer',
      'copyTextureToTexture',
      'beginRenderPass',
    ]) {
      const original = encoder[name];
      if (typeof original !== 'function') continue;
      encoder[name] = (...a: unknown[]) => {
        problems.push(`an unsupported command (${name})`);
        return (original as (...x: unknown[]) => unknown).apply(encoder, a);
      };
    }
    return encoder;
  });
  const createBindGroup = patch(
    device,
    'createBindGroup',
    (d: { layout: unknown; entries: BindEntry[] }) => {
      const g = createBindGroup.call(device, d);
      const entries = [...d.entries];
      if (entries.some((e) => !e.resource || typeof e.resource !== 'object' || !e.resource.buffer))
        problems.push('a bind group entry that is not a buffer');
      groups.set(g, { layout: d.layout, entries });
      return g;
    },
  );
  const submit = patch(queue, 'submit', (c: unknown[]) => {
    ops.push({ k: 'submit' });
    return submit.call(queue, c);
  });
  const writeBuffer = patch(
    queue,
    'writeBuffer',
    (b: Buffer, off: number, data: ArrayBuffer | ArrayBufferView, dOff?: number, size?: number) => {
      ops.push({ k: 'write', b, off, data: bytesOf(data, dOff, size) });
      return writeBuffer.call(queue, b, off, data, dOff, size);
    },
  );
  const upload = patch(be, 'uploadToGPU', (id: object) => {
    const data = be.tensorMap.get(id);
    const values = data && data.resource == null ? data.values : null;
    if (!data || values == null) return upload.call(be, id);
    const isInt = data.dtype === 'int32' || data.dtype === 'bool';
    const copy = isInt
      ? Int32Array.from(values as ArrayLike<number>)
      : Float32Array.from(values as ArrayLike<number>);
    inUpload = true;
    try {
      upload.call(be, id);
    } finally {
      inUpload = false;
    }
    ops.push({
      k: 'upload',
      b: data.resource as Buffer,
      data: new Uint8Array(copy.buffer),
      dtype: data.dtype,
      shape: [...data.shape],
    });
  });
  const hostWrites: Float32Array[] = [];
  const write = patch(be, 'write', (values: unknown, shape: number[], dtype: string) => {
    if (dtype === 'float32' && values instanceof Float32Array) hostWrites.push(values.slice());
    return write.call(be, values, shape, dtype);
  });
  const getBufferData = patch(be, 'getBufferData', (...a: unknown[]) => {
    problems.push('the step reads data back from the GPU (data(), dataSync(), array())');
    return getBufferData.apply(be, a);
  });
  const readSync = patch(be, 'readSync', (id: object) => {
    if (be.tensorMap.get(id)?.values == null)
      problems.push('the step reads data back from the GPU (dataSync(), arraySync())');
    return readSync.call(be, id);
  });
  const before = gpuVariables(be);
  const iterationsBefore = optimizer?.iterations ?? 0;
  let outputs: tf.Tensor[] = [];
  try {
    if (be.activeTimers != null) problems.push('a profiler is timing kernels (tf.profile)');
    outputs = asList(stepFn(...inputs));
    flush(be);
  } finally {
    for (const r of restore.reverse()) r();
  }
  const after = gpuVariables(be);
  return { ops, groups, outputs, before, after, problems, iterationsBefore, hostWrites };
}

/** Same commands in the same order, on buffers of the same sizes and usages; '' or the first difference. */
function compareRecordings(a: Recording, b: Recording): string {
  const sig = (r: Recording, o: Op): string => {
    switch (o.k) {
      case 'pipe':
        return `pipe`;
      case 'bind': {
        const g = r.groups.get(o.g);
        return `bind${o.i}:${g?.entries.map((e) => `${e.binding}/${e.resource.buffer.size}/${e.resource.buffer.usage}/${e.resource.offset ?? 0}/${e.resource.size ?? ''}`).join(',')}`;
      }
      case 'dispatch':
        return `dispatch${o.x},${o.y},${o.z}`;
      case 'copy':
        return `copy${o.s.size},${o.so},${o.d.size},${o.dOff},${o.size}`;
      case 'write':
        return `write${o.b.size},${o.b.usage},${o.off},${o.data.length}`;
      case 'upload':
        return `upload${o.b.size},${o.dtype},${o.data.length}`;
      default:
        return o.k;
    }
  };
  if (a.ops.length !== b.ops.length) {
    const n = Math.min(a.ops.length, b.ops.length);
    let i = 0;
    while (i < n && sig(a, a.ops[i] as Op) === sig(b, b.ops[i] as Op)) i++;
    const at = (r: Recording) => (i < r.ops.length ? sig(r, r.ops[i] as Op) : 'the end');
    return `the two recorded steps issued ${a.ops.length} and ${b.ops.length} commands (the first difference: command ${i}, ${at(a)} vs ${at(b)})`;
  }
  for (let i = 0; i < a.ops.length; i++) {
    const oa = a.ops[i] as Op;
    const ob = b.ops[i] as Op;
    if (oa.k === 'pipe' && ob.k === 'pipe' && oa.p !== ob.p)
      return `command ${i}: a different pipeline`;
    const sa = sig(a, oa);
    const sb = sig(b, ob);
    if (sa !== sb) return `command ${i} differs between the two recorded steps (${sa} vs ${sb})`;
  }
  return '';
}

/**
 * A host-drawn random upload: tf.randomUniform(shape, 0, 1) itself (uploaded when the ops on it
 * run on the GPU), or tf.dropout's multiplier floor(u + keep) / keep computed on the host (the
 * webgpu backend runs ops on tensors under WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD elements, whose
 * inputs are all on the host, on the CPU), in float32 as the cpu kernels compute it.
 */
type RandomKind = { kind: 'uniform' | 'floor' | 'dropout'; keep: number };

const asFloats = (d: Uint8Array) => new Float32Array(d.buffer, d.byteOffset, d.length / 4);
const unitDraw = (f: Float32Array) => f.every((v) => v >= 0 && v < 1);

/** What a host-drawn random upload is, from u (a uniform draw of the step) and keep (a scalar of the step). */
function derive(kind: RandomKind['kind'], u: Float32Array, keep: number, out: Float32Array): void {
  for (let i = 0; i < u.length; i++) {
    if (kind === 'uniform') out[i] = u[i] as number;
    else {
      const kept = Math.floor(Math.fround((u[i] as number) + keep));
      out[i] = kind === 'floor' ? kept : Math.fround(kept / keep);
    }
  }
}

/**
 * Proves an upload that changed between the two recorded steps to be a function of a uniform
 * [0, 1) draw made on the host in that step (tf.randomUniform: a host tensor of the same size) —
 * the draw itself, or tf.dropout's floor(u + keep) or floor(u + keep) / keep, with keep a scalar
 * host tensor of both steps — by recomputing it, bit for bit, in both steps.
 */
function randomKind(
  a: Uint8Array,
  b: Uint8Array,
  writesA: Float32Array[],
  writesB: Float32Array[],
): RandomKind | undefined {
  const fa = asFloats(a);
  const fb = asFloats(b);
  const drawsA = writesA.filter((w) => w.length === fa.length && unitDraw(w));
  const drawsB = writesB.filter((w) => w.length === fb.length && unitDraw(w));
  const keeps = [
    ...new Set(writesB.filter((w) => w.length === 1).map((w) => w[0] as number)),
  ].filter((k) => k > 0 && k <= 1 && writesA.some((w) => w.length === 1 && w[0] === k));
  const tmp = new Float32Array(fa.length);
  const explains = (
    kind: RandomKind['kind'],
    keep: number,
    draws: Float32Array[],
    want: Float32Array,
  ) =>
    draws.some((u) => {
      derive(kind, u, keep, tmp);
      return tmp.every((v, i) => v === want[i]);
    });
  for (const kind of ['uniform', 'floor', 'dropout'] as const) {
    for (const keep of kind === 'uniform' ? [0] : keeps) {
      if (explains(kind, keep, drawsA, fa) && explains(kind, keep, drawsB, fb))
        return { kind, keep };
    }
  }
  return undefined;
}

function drawRandom(shape: number[], r: RandomKind, u?: Float32Array): Float32Array {
  const draw =
    u ?? tf.tidy(() => tf.randomUniform(shape, 0, 1, 'float32').dataSync() as Float32Array);
  const out = new Float32Array(draw.length);
  derive(r.kind, draw, r.keep, out);
  return out;
}

function checkSeededDraws(s: SeededDraws): void {
  if (s == null || typeof s !== 'object') return;
  const keys = s.recordKeys;
  if (
    !Array.isArray(keys) ||
    keys.length !== 2 ||
    !keys.every((k) => Number.isFinite(k)) ||
    keys[0] === keys[1]
  )
    throw new RangeError(
      'captureTrainingStep: randomUploads.recordKeys must be two distinct finite numbers',
    );
  if (typeof s.begin !== 'function' || typeof s.draw !== 'function')
    throw new TypeError(
      'captureTrainingStep: randomUploads must have begin(key) and draw(key, shapes)',
    );
}

/**
 * Copies every registered variable and the optimizer's iteration count; the returned function
 * puts them back (GPU-resident variables by a buffer copy into the buffer they are in now, so
 * that they keep their buffers; host-resident ones by assign).
 */
function snapshotState(be: Backend, opt: AdamLike | undefined): () => void {
  const vars = variables();
  const copies = tf.tidy(() => vars.map(([, v]) => tf.keep(tf.mul(v, tf.scalar(1, v.dtype)))));
  const iterations = opt?.iterations;
  return () => {
    flush(be);
    const registered = tf.engine().registeredVariables;
    const onGpu: Array<{ snap: tf.Tensor; target: Buffer; data: TensorData }> = [];
    vars.forEach(([name], i) => {
      const snap = copies[i] as tf.Tensor;
      const v = registered[name];
      if (!v) return;
      const data = be.tensorMap.get(v.dataId);
      const target = data?.resource as Buffer | undefined;
      if (data && target && target.size >= snap.size * 4) {
        be.uploadToGPU(snap.dataId);
        onGpu.push({ snap, target, data });
      } else v.assign(snap);
    });
    flush(be);
    const encoder = be.device.createCommandEncoder();
    for (const { snap, target } of onGpu) {
      const source = be.tensorMap.get(snap.dataId)?.resource as Buffer;
      encoder.copyBufferToBuffer(source, 0, target, 0, snap.size * 4);
    }
    be.queue.submit([encoder.finish()]);
    for (const { data } of onGpu) data.values = null;
    tf.dispose(copies);
    if (opt && iterations !== undefined) (opt as { iterations_?: number }).iterations_ = iterations;
  };
}

interface AdamSlot {
  floats: Float32Array;
  /** byte offset of the slot in the Adam arena */
  offset: number;
}

/** The in-place CihmlcAdamUpdate's uniforms: β1, β2, 1−β1, 1−β2, 1−β1^t, 1−β2^t, ε, −lr (f32), n, rowStride (i32). */
function adamValues(opt: AdamLike, t: number): number[] {
  return [
    opt.beta1,
    opt.beta2,
    1 - opt.beta1,
    1 - opt.beta2,
    1 - Math.fround(opt.beta1 ** t),
    1 - Math.fround(opt.beta2 ** t),
    opt.epsilon,
    -opt.learningRate,
  ].map(Math.fround);
}
interface AdamLike {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  iterations: number;
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
  incrementIterations?(): void;
}
function isAdamWrite(data: Uint8Array, opt: AdamLike | undefined, t: number): boolean {
  if (!opt || data.length !== 40 || typeof opt.beta1 !== 'number') return false;
  const f = new Float32Array(data.buffer, data.byteOffset, 8);
  const want = adamValues(opt, t);
  return want.every((v, i) => f[i] === v);
}

/**
 * Records `stepFn` (two steps through TF.js: they are real training steps) and returns a capture
 * that replays it. Run one normal step first, so that pipelines are compiled and the optimizer
 * has created its state. The tensors in `options.inputs` are copied; stepFn receives the copies
 * (or, on the normal path, run()'s inputs).
 */
export async function captureTrainingStep(
  stepFn: StepFn,
  options: CaptureOptions,
): Promise<StepCapture> {
  if (!options || !Array.isArray(options.inputs))
    throw new TypeError('captureTrainingStep: options.inputs must be an array of tensors');
  if (typeof options.randomUploads === 'object') checkSeededDraws(options.randomUploads);
  const seededKey = (key: number | undefined) => {
    const s = typeof options.randomUploads === 'object' ? options.randomUploads : undefined;
    if (!s) return;
    if (!Number.isFinite(key))
      throw new RangeError(
        'StepCapture.run: key must be a finite number with seeded randomUploads',
      );
    s.begin(key as number);
  };
  const shapes = options.inputs.map((t) => ({ shape: [...t.shape], dtype: t.dtype }));
  const checkInputs = (ins: Array<tf.Tensor | Float32Array | Int32Array>): string => {
    if (ins.length !== shapes.length)
      return `run() got ${ins.length} inputs, the capture has ${shapes.length}`;
    for (let i = 0; i < ins.length; i++) {
      const x = ins[i] as tf.Tensor | Float32Array | Int32Array;
      const want = shapes[i] as { shape: number[]; dtype: string };
      const n = want.shape.reduce((a, b) => a * b, 1);
      if (x instanceof tf.Tensor) {
        if (x.shape.join(',') !== want.shape.join(',') || x.dtype !== want.dtype)
          return `input ${i} has shape [${x.shape}] ${x.dtype}, the capture has [${want.shape}] ${want.dtype}`;
      } else if (x.length !== n || x instanceof Int32Array !== (want.dtype === 'int32')) {
        return `input ${i} has ${x.length} values, the capture has [${want.shape}] ${want.dtype}`;
      }
    }
    return '';
  };
  const toTensors = (ins: Array<tf.Tensor | Float32Array | Int32Array>) =>
    ins.map((x, i) =>
      x instanceof tf.Tensor
        ? x
        : tf.tensor(
            x,
            (shapes[i] as { shape: number[] }).shape,
            (shapes[i] as { dtype: tf.DataType }).dtype,
          ),
    );
  /** stepFn through TF.js on run()'s inputs (typed arrays become tensors, disposed after). */
  const runNormal = (
    inputs: Array<tf.Tensor | Float32Array | Int32Array>,
    key: number | undefined,
    reason: string,
  ): ReplayHandle => {
    seededKey(key);
    const ins = toTensors(inputs);
    const handle = normalStep(stepFn, ins, reason);
    ins.forEach((t, i) => {
      if (t !== inputs[i]) t.dispose();
    });
    return handle;
  };
  const fallback = (reason: string): StepCapture => ({
    replayable: false,
    reason,
    stats: {
      dispatches: 0,
      copies: 0,
      uploads: 0,
      adamUniforms: 0,
      randomUploads: 0,
      movedVariables: 0,
      ownedBuffers: 0,
    },
    run: (inputs = options.inputs, key) => runNormal(inputs, key, reason),
    release() {},
  });
  if (tf.getBackend() !== 'webgpu')
    return fallback(`the backend is ${tf.getBackend()}, not webgpu`);
  const be = tf.backend() as unknown as Backend;
  const pool = be.bufferManager;
  if (
    typeof be.uploadToGPU !== 'function' ||
    typeof be.submitQueue !== 'function' ||
    !be.tensorMap ||
    !(pool?.freeBuffers instanceof Map) ||
    typeof pool.releaseBuffer !== 'function'
  )
    return fallback('this tfjs-backend-webgpu lacks the internals the capture needs');
  const opt = options.optimizer as unknown as AdamLike | undefined;
  const seeded = typeof options.randomUploads === 'object' ? options.randomUploads : undefined;

  // Private copies of the inputs, on the GPU: run() writes into their buffers.
  const privateInputs = tf.tidy(() => options.inputs.map((x) => tf.mul(x, tf.scalar(1, x.dtype))));
  for (const t of privateInputs) be.uploadToGPU(t.dataId);
  for (const [, v] of variables()) be.uploadToGPU(v.dataId);
  flush(be);

  const restoreState = options.restoreState ? snapshotState(be, opt) : undefined;
  flush(be); // the snapshot's copies are not part of the recording
  if (seeded) seeded.begin(seeded.recordKeys[0]);
  const a = record(be, stepFn, privateInputs, options.optimizer);
  await Promise.all(a.outputs.map((t) => t.data()));
  for (const t of a.outputs) t.dispose();
  if (seeded) seeded.begin(seeded.recordKeys[1]);
  const b = record(be, stepFn, privateInputs, options.optimizer);
  await Promise.all(b.outputs.map((t) => t.data()));
  flush(be);
  restoreState?.();

  // Undoes the buffer ownership (once it is set up) and destroys the capture's own buffers.
  let teardown = () => {};
  const giveUp = (reason: string) => {
    teardown();
    for (const t of b.outputs) t.dispose();
    for (const t of privateInputs) t.dispose();
    return fallback(reason);
  };
  const problem = [...new Set([...a.problems, ...b.problems])][0];
  if (problem) return giveUp(`${problem}`);
  const difference = compareRecordings(a, b);
  if (difference) return giveUp(difference);
  if (b.outputs.some((t) => t.dtype !== 'float32'))
    return giveUp('a step output that is not float32');

  // Which writes and uploads vary, and whether each is declared.
  const tA = a.iterationsBefore + 1;
  const tB = b.iterationsBefore + 1;
  const adamOps = new Set<number>();
  const randomOps = new Map<number, RandomKind>();
  for (let i = 0; i < b.ops.length; i++) {
    const oa = a.ops[i] as Op;
    const ob = b.ops[i] as Op;
    if (ob.k === 'write' && oa.k === 'write') {
      if (isAdamWrite(ob.data, opt, tB)) {
        if (!isAdamWrite(oa.data, opt, tA))
          return giveUp(
            `uniform write ${i} looks like Adam's for step ${tB} but not for step ${tA}`,
          );
        adamOps.add(i);
      } else if (!sameBytes(oa.data, ob.data)) {
        return giveUp(
          `uniform write ${i} (${ob.data.length} bytes) changed between the two recorded steps and is not an in-place CihmlcAdamUpdate of options.optimizer`,
        );
      }
    }
    if (ob.k === 'upload' && oa.k === 'upload' && !sameBytes(oa.data, ob.data)) {
      if (!options.randomUploads)
        return giveUp(
          `upload ${i} (shape [${ob.shape}]) changed between the two recorded steps and is not a declared input (tf.dropout's mask? set randomUploads)`,
        );
      const kind =
        ob.dtype === 'float32'
          ? randomKind(oa.data, ob.data, a.hostWrites, b.hostWrites)
          : undefined;
      if (!kind)
        return giveUp(
          `upload ${i} (shape [${ob.shape}]) changed between the two recorded steps and is neither a uniform [0, 1) draw nor a tf.dropout multiplier`,
        );
      randomOps.set(i, kind);
    }
  }
  // Seeded draws must reproduce both recorded steps' random uploads, bit for bit.
  const randomShapes = [...randomOps.keys()].map((i) => (b.ops[i] as { shape: number[] }).shape);
  if (seeded && randomOps.size > 0) {
    for (const [rec, key] of [
      [a, seeded.recordKeys[0]],
      [b, seeded.recordKeys[1]],
    ] as const) {
      const draws = seeded.draw(key, randomShapes);
      if (!Array.isArray(draws) || draws.length !== randomOps.size)
        return giveUp(
          `randomUploads.draw gave ${draws?.length} arrays for ${randomOps.size} random uploads`,
        );
      let k = 0;
      for (const [i, kind] of randomOps) {
        const want = (rec.ops[i] as { data: Uint8Array }).data;
        const u = draws[k] as Float32Array;
        const got =
          u instanceof Float32Array && u.length * 4 === want.length
            ? drawRandom([], kind, u)
            : undefined;
        if (!got || !sameBytes(new Uint8Array(got.buffer), want))
          return giveUp(
            `randomUploads.draw(${key}) does not reproduce random upload ${k} (shape [${randomShapes[k]}]) of the recorded step`,
          );
        k++;
      }
    }
  }

  const device = be.device;
  const queue = be.queue;
  const inputBuffers = privateInputs.map((t) => be.tensorMap.get(t.dataId)?.resource as Buffer);
  const registered = tf.engine().registeredVariables;
  // Every variable on the GPU: the buffer the recorded step read it from and the one it left it
  // in (the same for parameters and moments updated in place). Those that moved (the moving
  // statistics) are copied back through a scratch buffer at the start of each replayed step.
  const gpuVars: Array<{ name: string; before: Buffer; after: Buffer; scratchOffset: number }> = [];
  let scratchSize = 0;
  let movedCount = 0;
  for (const [name, after] of b.after) {
    const before = b.before.get(name);
    if (!before) return giveUp(`variable '${name}' was created or uploaded by the recorded step`);
    if (before.size !== after.size) return giveUp(`variable '${name}' changed size`);
    gpuVars.push({ name, before, after, scratchOffset: scratchSize });
    if (before !== after) {
      movedCount++;
      scratchSize += Math.ceil(before.size / 256) * 256;
    }
  }

  // Owned buffers: everything the recording touches.
  const owned = new Set<Buffer>();
  const own = (x: Buffer) => owned.add(x);
  for (const op of b.ops) {
    if (op.k === 'copy') {
      own(op.s);
      own(op.d);
    } else if (op.k === 'write' || op.k === 'upload') own(op.b);
    else if (op.k === 'bind')
      for (const e of b.groups.get(op.g)?.entries ?? []) own(e.resource.buffer);
  }
  for (const x of inputBuffers) own(x);
  for (const v of gpuVars) {
    own(v.before);
    own(v.after);
  }
  for (const t of b.outputs) own(be.tensorMap.get(t.dataId)?.resource as Buffer);
  // Out of the pool now, and whenever TF.js gives one back later.
  const held = new Set<Buffer>();
  const takeFromPool = (x: Buffer) => {
    const list = pool.freeBuffers.get(`${x.size}_${x.usage}`);
    const at = list ? list.indexOf(x) : -1;
    if (list && at >= 0) {
      list.splice(at, 1);
      pool.numFreeBuffers--;
      held.add(x);
    }
  };
  for (const x of owned) takeFromPool(x);
  const poolRelease = pool.releaseBuffer;
  let active = true;
  const release = (x: Buffer, reuse = true) => {
    if (!active || !owned.has(x)) return poolRelease.call(pool, x, reuse);
    poolRelease.call(pool, x, true);
    takeFromPool(x);
  };
  pool.releaseBuffer = release;
  const created: Buffer[] = [];
  teardown = () => {
    active = false;
    if (pool.releaseBuffer === release) pool.releaseBuffer = poolRelease;
    for (const x of created) x.destroy();
    // Buffers no tensor holds any more go back to the pool.
    for (const x of held) {
      const key = `${x.size}_${x.usage}`;
      let list = pool.freeBuffers.get(key);
      if (!list) {
        list = [];
        pool.freeBuffers.set(key, list);
      }
      list.push(x);
      pool.numFreeBuffers++;
    }
    held.clear();
  };

  // Each uniform write gets its own slot; Adam's slots in their own arena, rewritten per step.
  const align = Math.max(256, device.limits.minUniformBufferOffsetAlignment ?? 256);
  const writeOps = b.ops.flatMap((op, i) => (op.k === 'write' ? [{ op, i }] : []));
  if (writeOps.some(({ op }) => !(op.b.usage & UNIFORM) || op.off !== 0))
    return giveUp('a write into a buffer that is not a uniform buffer');
  const constWrites = writeOps.filter(({ i }) => !adamOps.has(i));
  const adamWrites = writeOps.filter(({ i }) => adamOps.has(i));
  const slotSize = (n: number) => Math.ceil(n / align) * align;
  const arenaOf = (list: typeof writeOps) => {
    const offsets = new Map<number, number>();
    let size = 0;
    for (const { op, i } of list) {
      offsets.set(i, size);
      size += slotSize(op.data.length);
    }
    return { offsets, size: Math.max(size, align) };
  };
  const constArena = arenaOf(constWrites);
  const adamArena = arenaOf(adamWrites);
  const make = (size: number, usage: number) => {
    const x = device.createBuffer({ size, usage });
    created.push(x);
    return x;
  };
  const scratch = make(Math.max(scratchSize, 256), COPY_SRC | COPY_DST);
  const constBuffer = make(constArena.size, UNIFORM | COPY_DST);
  const adamBuffer = make(adamArena.size, UNIFORM | COPY_DST);
  const constBytes = new Uint8Array(constArena.size);
  for (const { op, i } of constWrites) constBytes.set(op.data, constArena.offsets.get(i) as number);
  queue.writeBuffer(constBuffer, 0, constBytes);
  const adamBytes = new Uint8Array(adamArena.size);
  for (const { op, i } of adamWrites) adamBytes.set(op.data, adamArena.offsets.get(i) as number);
  const adamSlots: AdamSlot[] = adamWrites.map(({ i }) => {
    const offset = adamArena.offsets.get(i) as number;
    return { offset, floats: new Float32Array(adamBytes.buffer, offset, 8) };
  });

  // The replayed commands: bind groups rebuilt on the uniform slots, uploads from owned buffers.
  type ROp =
    | { k: 'pipe'; p: unknown }
    | { k: 'bind'; i: number; g: unknown }
    | { k: 'dispatch'; x: number; y: number; z: number }
    | { k: 'copy'; s: Buffer; so: number; d: Buffer; dOff: number; size: number };
  const plan: ROp[] = [];
  const lastWrite = new Map<Buffer, number>();
  const randomStaging: Array<{ buffer: Buffer; shape: number[]; kind: RandomKind }> = [];
  let uploads = 0;
  let dispatches = 0;
  let lastPipe: unknown;
  for (let i = 0; i < b.ops.length; i++) {
    const op = b.ops[i] as Op;
    if (op.k === 'write') lastWrite.set(op.b, i);
    else if (op.k === 'pipe') {
      if (op.p !== lastPipe) plan.push(op);
      lastPipe = op.p;
    } else if (op.k === 'dispatch') {
      plan.push(op);
      dispatches++;
    } else if (op.k === 'copy') {
      plan.push(op);
      lastPipe = undefined; // a copy ends the pass; the next pass sets its pipeline again
    } else if (op.k === 'upload') {
      lastPipe = undefined;
      const staging = make(Math.max(4, op.data.length), COPY_SRC | COPY_DST);
      const kind = randomOps.get(i);
      if (kind) randomStaging.push({ buffer: staging, shape: op.shape, kind });
      else queue.writeBuffer(staging, 0, op.data);
      plan.push({ k: 'copy', s: staging, so: 0, d: op.b, dOff: 0, size: op.data.length });
      uploads++;
    } else if (op.k === 'bind') {
      const g = b.groups.get(op.g);
      if (!g) return giveUp('a bind group created before the recording');
      const entries = g.entries.map((e) => {
        const w = lastWrite.get(e.resource.buffer);
        if (w === undefined) return e;
        const adam = adamOps.has(w);
        const offset = (adam ? adamArena : constArena).offsets.get(w) as number;
        const data = (b.ops[w] as { data: Uint8Array }).data;
        return {
          binding: e.binding,
          resource: {
            buffer: adam ? adamBuffer : constBuffer,
            offset: offset + (e.resource.offset ?? 0),
            size: e.resource.size ?? data.length,
          },
        };
      });
      const group = entries.every((e, j) => e === g.entries[j])
        ? op.g
        : device.createBindGroup({ layout: g.layout, entries });
      plan.push({ k: 'bind', i: op.i, g: group });
    }
  }
  // Where the step's outputs are, to be read after each replayed step.
  const outputBuffers = b.outputs.map((t) => ({
    buffer: be.tensorMap.get(t.dataId)?.resource as Buffer,
    bytes: t.size * 4,
  }));
  const readPool: Buffer[][] = outputBuffers.map(() => []);

  let released = false;
  let adamT = -1;
  let adamLr = Number.NaN;
  const capture: StepCapture = {
    replayable: true,
    reason: '',
    stats: {
      dispatches,
      copies: plan.filter((o) => o.k === 'copy').length - uploads,
      uploads,
      adamUniforms: adamSlots.length,
      randomUploads: randomStaging.length,
      movedVariables: movedCount,
      ownedBuffers: owned.size + created.length,
    },
    run(inputs = privateInputs, key) {
      if (released) throw new Error('StepCapture.run: the capture was released');
      if (seeded && !Number.isFinite(key))
        throw new RangeError(
          'StepCapture.run: key must be a finite number with seeded randomUploads',
        );
      const bad = checkInputs(inputs);
      const normal = (why: string) => runNormal(inputs, key, why);
      if (bad) return normal(bad);
      // Where each variable is now: where the capture left it, or (after a normal step or an
      // assign outside the capture) another buffer, copied in before and out after the step.
      const current: Buffer[] = [];
      for (const v of gpuVars) {
        const variable = registered[v.name];
        if (!variable) return normal(`variable '${v.name}' was disposed since the capture`);
        const data = be.tensorMap.get(variable.dataId);
        if (data?.resource == null) be.uploadToGPU(variable.dataId);
        const buffer = be.tensorMap.get(variable.dataId)?.resource as Buffer | undefined;
        if (!buffer || buffer.size !== v.before.size)
          return normal(`variable '${v.name}' changed size since the capture`);
        current.push(buffer);
      }
      flush(be);
      // Per-step uniforms: Adam's bias corrections and learning rate.
      if (opt && adamSlots.length > 0) {
        const t = opt.iterations + 1;
        if (t !== adamT || opt.learningRate !== adamLr) {
          const v = adamValues(opt, t);
          for (const s of adamSlots) s.floats.set(v);
          queue.writeBuffer(adamBuffer, 0, adamBytes);
          adamT = t;
          adamLr = opt.learningRate;
        }
      }
      const draws =
        seeded && randomStaging.length > 0 ? seeded.draw(key as number, randomShapes) : [];
      if (
        seeded &&
        !randomStaging.every((r, k) => {
          const u = draws[k];
          return u instanceof Float32Array && u.length === r.shape.reduce((x, y) => x * y, 1);
        })
      )
        throw new RangeError(
          `StepCapture.run: randomUploads.draw(${key}) must give one Float32Array per shape of [${randomShapes.map((x) => `[${x}]`)}]`,
        );
      randomStaging.forEach((r, k) => {
        queue.writeBuffer(r.buffer, 0, drawRandom(r.shape, r.kind, draws[k]));
      });
      const encoder = device.createCommandEncoder();
      inputs.forEach((x, i) => {
        const dst = inputBuffers[i] as Buffer;
        if (x instanceof tf.Tensor) {
          if (x === privateInputs[i]) return;
          be.uploadToGPU(x.dataId);
          flush(be);
          const src = be.tensorMap.get(x.dataId)?.resource as Buffer;
          encoder.copyBufferToBuffer(src, 0, dst, 0, x.size * 4);
        } else {
          queue.writeBuffer(dst, 0, x);
        }
      });
      // Moved variables through a scratch buffer: one variable's "after" buffer may be another's
      // "before" buffer (TF.js reuses a buffer released within the step).
      gpuVars.forEach((v, i) => {
        if (current[i] === v.after && v.before !== v.after)
          encoder.copyBufferToBuffer(v.after, 0, scratch, v.scratchOffset, v.before.size);
      });
      gpuVars.forEach((v, i) => {
        const cur = current[i] as Buffer;
        if (cur === v.after && v.before !== v.after)
          encoder.copyBufferToBuffer(scratch, v.scratchOffset, v.before, 0, v.before.size);
        else if (cur !== v.before) encoder.copyBufferToBuffer(cur, 0, v.before, 0, v.before.size);
      });
      let pass: Pass | null = null;
      for (const op of plan) {
        if (op.k === 'copy') {
          if (pass) {
            pass.end();
            pass = null;
          }
          encoder.copyBufferToBuffer(op.s, op.so, op.d, op.dOff, op.size);
          continue;
        }
        pass ??= encoder.beginComputePass();
        if (op.k === 'pipe') pass.setPipeline(op.p);
        else if (op.k === 'bind') pass.setBindGroup(op.i, op.g);
        else pass.dispatchWorkgroups(op.x, op.y, op.z);
      }
      if (pass) pass.end();
      gpuVars.forEach((v, i) => {
        const cur = current[i] as Buffer;
        if (cur !== v.after) encoder.copyBufferToBuffer(v.after, 0, cur, 0, v.after.size);
      });
      const reads = outputBuffers.map((o, j) => {
        const list = readPool[j] as Buffer[];
        const staging =
          list.pop() ?? device.createBuffer({ size: o.bytes, usage: MAP_READ | COPY_DST });
        encoder.copyBufferToBuffer(o.buffer, 0, staging, 0, o.bytes);
        return staging;
      });
      queue.submit([encoder.finish()]);
      // The host side of the step: variables' cached host values are stale now; the optimizer advances.
      for (const v of gpuVars) {
        const variable = registered[v.name];
        const data = variable && be.tensorMap.get(variable.dataId);
        if (data) data.values = null;
      }
      if (opt) {
        opt.incrementIterations?.call(opt);
        const t = opt.iterations + 1;
        if (opt.accBeta1 && opt.accBeta2) {
          tf.tidy(() => {
            opt.accBeta1?.assign(tf.scalar(opt.beta1 ** t));
            opt.accBeta2?.assign(tf.scalar(opt.beta2 ** t));
          });
        }
      }
      let result: Promise<Float32Array[]> | undefined;
      return {
        path: 'replay',
        reason: '',
        outputs() {
          result ??= Promise.all(
            reads.map(async (staging, j) => {
              const m = staging as unknown as {
                mapAsync(mode: number): Promise<void>;
                getMappedRange(): ArrayBuffer;
                unmap(): void;
              };
              await m.mapAsync(MAP_READ);
              const v = new Float32Array(m.getMappedRange().slice(0));
              m.unmap();
              if (released) staging.destroy();
              else (readPool[j] as Buffer[]).push(staging);
              return v;
            }),
          );
          return result;
        },
      };
    },
    release() {
      if (released) return;
      released = true;
      teardown();
      for (const list of readPool) for (const x of list) x.destroy();
      for (const t of b.outputs) t.dispose();
      for (const t of privateInputs) t.dispose();
    },
  };
  return capture;
}
