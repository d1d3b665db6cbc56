import {
  type KernelBackendName,
  registerTrainingKernels,
  type TrainingKernelOptions,
} from './kernels/register-training-kernels.js';
import { errorMessage, loadModule, type ModuleLoader } from './module-loader.js';
import { initTensorflowBackend } from './tensorflow-backend.js';
import type { TrainingWorkload } from './training-cost.js';
import { initWasmBackend } from './wasm-backend.js';
import { initWebGpuBackend, probeWebGpuAdapter, type WebGpuOptions } from './webgpu-backend.js';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendRequest = BackendName | 'auto';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/** Order `auto` tries, fastest training first (measured: see the README's benchmark table). */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/**
 * `auto` passes over the native tensorflow backend for workloads below this many training FLOPs
 * per step (`workload.flopsPerStep`): TF.js's per-op cost through the TensorFlow C API outweighs
 * its faster kernels on small models, where wasm with this package's kernels is faster
 * (measured with `pnpm bench` on 2 cores, TensorFlow 2.21 CPU: the trainer's tiny model, 0.47 GFLOP
 * per step at batch 16, trains faster on wasm; the small DenseNet-like model, 1.46 GFLOP, and
 * DenseNet-121 faster on tensorflow; see the README's "Linked TensorFlow" table).
 */
export const TENSORFLOW_MIN_FLOPS_PER_STEP = 1e9;

export interface SelectBackendOptions {
  backend?: BackendRequest;
  /** Receives one line per decision (e.g. console.log). */
  log?: (line: string) => void;
  /** Register this package's training kernels on the chosen backend (default true). */
  registerKernels?: boolean;
  /** Switches of those kernels (see `registerTrainingKernels`). */
  kernelOptions?: TrainingKernelOptions;
  /** `auto` skips software WebGPU adapters (lavapipe, SwiftShader) unless this is true. */
  allowSoftwareWebGpu?: boolean;
  webgpu?: WebGpuOptions;
  /** Module loader (default: require relative to this package); tests inject failures here. */
  loadModule?: ModuleLoader;
  /**
   * The training workload (`estimateTrainingFlops(model, batch)`): `auto` skips tensorflow when
   * it is below `TENSORFLOW_MIN_FLOPS_PER_STEP`. Without it `auto` takes tensorflow whenever it loads.
   */
  workload?: TrainingWorkload;
}

export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

export interface BackendSelection {
  backend: BackendName;
  /** Why this backend was chosen. */
  reason: string;
  /** Backends `auto` tried (or ruled out) before this one, with why. */
  skipped: SkippedBackend[];
  /** tensorflow: the devices libtensorflow uses. */
  devices?: string[];
  /** tensorflow: libtensorflow's `TF_Version()` (e.g. the pip wheel's 2.21.0 once linked). */
  tensorflowVersion?: string;
  /** webgpu: the adapter's name. */
  adapterName?: string;
  /** Kernels this package registered on the chosen backend. */
  kernels: string[];
}

interface InitResult {
  detail: string;
  devices?: string[];
  tensorflowVersion?: string;
  adapterName?: string;
}

const WHY: Record<BackendName, string> = {
  tensorflow: 'native libtensorflow (multi-threaded CPU, or CUDA with tfjs-node-gpu)',
  webgpu: 'a hardware GPU through WebGPU',
  wasm: "XNNPACK SIMD kernels plus this package's training kernels (fastest without native TF or GPU)",
  cpu: 'pure JavaScript, always available (slowest)',
};

function checkWorkload(workload: unknown): void {
  if (workload === undefined) return;
  const flops = (workload as TrainingWorkload | null)?.flopsPerStep;
  if (typeof flops !== 'number' || !Number.isFinite(flops) || flops < 0) {
    throw new TypeError(
      `selectBackend: options.workload.flopsPerStep must be a non-negative number (estimateTrainingFlops(model, batch)); got ${JSON.stringify(workload)}`,
    );
  }
}

function parseRequest(value: unknown): BackendRequest {
  if (value === undefined) return 'auto';
  if (value === 'auto' || BACKEND_NAMES.includes(value as BackendName))
    return value as BackendRequest;
  throw new (typeof value === 'string' ? RangeError : TypeError)(
    `selectBackend: options.backend must be one of auto, ${BACKEND_NAMES.join(', ')}; got ${JSON.stringify(value)}`,
  );
}

async function initialise(
  name: BackendName,
  options: SelectBackendOptions,
  auto: boolean,
): Promise<InitResult> {
  const load = options.loadModule ?? loadModule;
  switch (name) {
    case 'tensorflow': {
      if (auto && options.workload) {
        const flops = options.workload.flopsPerStep;
        if (flops < TENSORFLOW_MIN_FLOPS_PER_STEP) {
          throw new Error(
            `the workload (${(flops / 1e9).toPrecision(3)} GFLOP per training step) is below ${TENSORFLOW_MIN_FLOPS_PER_STEP / 1e9} GFLOP, where wasm with this package's kernels trains faster than native TensorFlow`,
          );
        }
      }
      const info = await initTensorflowBackend(load);
      const version = info.libtensorflowVersion ? ` ${info.libtensorflowVersion}` : '';
      const result: InitResult = {
        detail: `${info.packageName} (libtensorflow${version}) on ${info.devices.join(', ')}`,
        devices: info.devices,
      };
      if (info.libtensorflowVersion) result.tensorflowVersion = info.libtensorflowVersion;
      return result;
    }
    case 'webgpu': {
      if (auto && !options.allowSoftwareWebGpu) {
        const probe = await probeWebGpuAdapter(load, options.webgpu, options.log);
        if (probe.isSoftware) {
          throw new Error(
            `adapter '${probe.adapterName}' is a CPU implementation of Vulkan, slower than wasm (pass allowSoftwareWebGpu to use it)`,
          );
        }
      }
      const adapter = await initWebGpuBackend(load, options.webgpu, options.log);
      return { detail: `adapter '${adapter.adapterName}'`, adapterName: adapter.adapterName };
    }
    case 'wasm': {
      await initWasmBackend(load);
      return { detail: 'SIMD, single-threaded in Node' };
    }
    case 'cpu': {
      const { activateBackend } = await import('./activate-backend.js');
      await activateBackend('cpu');
      return { detail: 'pure JavaScript' };
    }
  }
}

/**
 * Chooses and initialises the TF.js backend for training. `auto` tries tensorflow (unless
 * `workload` is below `TENSORFLOW_MIN_FLOPS_PER_STEP`), webgpu (a hardware adapter), wasm, cpu in
 * that order and reports why each earlier one was skipped; a
 * named backend that cannot start throws (TF.js is never left silently on another backend).
 * Registers this package's training kernels on the chosen backend.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const request = parseRequest(options.backend);
  checkWorkload(options.workload);
  const log = options.log ?? (() => {});
  const candidates = request === 'auto' ? AUTO_ORDER : [request];
  const skipped: SkippedBackend[] = [];
  for (const name of candidates) {
    let result: InitResult;
    try {
      result = await initialise(name, options, request === 'auto');
    } catch (error) {
      const reason = errorMessage(error);
      if (request !== 'auto') {
        throw new Error(`selectBackend: backend '${name}' is not available: ${reason}`);
      }
      skipped.push({ backend: name, reason });
      log(`backend ${name} skipped: ${reason}`);
      continue;
    }
    const kernels =
      options.registerKernels === false || name === 'tensorflow'
        ? []
        : registerTrainingKernels(name as KernelBackendName, options.kernelOptions).kernels;
    const reason =
      request === 'auto'
        ? `auto: ${name} is the fastest available for training: ${WHY[name]}; ${result.detail}`
        : `requested: ${result.detail}`;
    log(
      `backend ${name} selected (${reason})${kernels.length ? `; training kernels: ${kernels.join(', ')}` : ''}`,
    );
    const selection: BackendSelection = { backend: name, reason, skipped, kernels };
    if (result.devices) selection.devices = result.devices;
    if (result.tensorflowVersion) selection.tensorflowVersion = result.tensorflowVersion;
    if (result.adapterName) selection.adapterName = result.adapterName;
    return selection;
  }
  throw new Error(
    `selectBackend: no backend could be initialised (${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})`,
  );
}
