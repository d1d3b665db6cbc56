import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from './activate-backend.js';
import { errorMessage, type ModuleLoader, resolvePackageFile } from './module-loader.js';
import { captureNativeStderr } from './native-stderr.js';
import { installBindGroupCache } from './webgpu-bind-group-cache.js';

export interface WebGpuAdapterDescription {
  /** Human-readable adapter name, e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe (LLVM 19.1.7, 256 bits)". */
  adapterName: string;
  vendor: string;
  architecture: string;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader) or a declared fallback adapter. */
  isSoftware: boolean;
}

export interface WebGpuOptions {
  /** dawn.node to load; default: $DAWN_NODE, else the npm `webgpu` package's build for this platform. */
  dawnNodePath?: string;
  /** Options for dawn.node's create(), e.g. ['backend=vulkan']. */
  dawnFlags?: string[];
  /**
   * Reuse the backend's bind groups across dispatches (installBindGroupCache; default true): the
   * backend creates one per dispatch, a large share of a training step's host time.
   */
  bindGroupCache?: boolean;
  /**
   * Send what Dawn prints natively on stderr while it creates the adapter (e.g. "Warning:
   * maxDynamicUniformBuffersPerPipelineLayout artificially reduced …") to the `log` function
   * instead (default true; Linux with stderr on a terminal or pipe; captureNativeStderr).
   */
  captureDawnLog?: boolean;
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software/i;

/** Path of dawn.node: explicit, $DAWN_NODE, or inside the `webgpu` npm package. */
export function findDawnNode(explicit?: string): string {
  const candidates: string[] = [];
  if (explicit) candidates.push(explicit);
  if (process.env.DAWN_NODE) candidates.push(process.env.DAWN_NODE);
  const pkg = resolvePackageFile('webgpu/package.json');
  if (pkg)
    candidates.push(
      path.join(path.dirname(pkg), 'dist', `${process.platform}-${process.arch}`, 'dawn.node'),
    );
  for (const candidate of candidates) if (fs.existsSync(candidate)) return candidate;
  throw new Error(
    candidates.length
      ? `dawn.node not found (tried ${candidates.join(', ')})`
      : 'the optional dependency `webgpu` is not installed (and DAWN_NODE is not set)',
  );
}

let installedGpu: GpuLike | undefined;

/**
 * Installs Dawn's WebGPU implementation as globalThis.navigator.gpu (once per process), which
 * @tensorflow/tfjs-backend-webgpu needs at import time to register its backend.
 */
function installNavigatorGpu(load: ModuleLoader, options: WebGpuOptions): GpuLike {
  if (installedGpu) return installedGpu;
  const dawnPath = findDawnNode(options.dawnNodePath);
  let dawn: DawnModule;
  try {
    dawn = load(dawnPath) as DawnModule;
  } catch (error) {
    throw new Error(`dawn.node (${dawnPath}) does not load: ${errorMessage(error)}`);
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(options.dawnFlags ?? []);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu },
      configurable: true,
      writable: true,
    });
  }
  installedGpu = gpu;
  return gpu;
}

/**
 * Asks Dawn for the adapter TF.js will get, without initialising TF.js. Dawn prints its
 * start-up warnings natively to stderr when it first enumerates adapters (during this call):
 * they are captured and passed to `log`, one call per line prefixed `webgpu: Dawn: `, unless
 * `options.captureDawnLog` is false or capture is impossible here (then they go to stderr).
 */
export async function probeWebGpuAdapter(
  load: ModuleLoader,
  options: WebGpuOptions = {},
  log?: (line: string) => void,
): Promise<WebGpuAdapterDescription> {
  const gpu = installNavigatorGpu(load, options);
  const request = () => gpu.requestAdapter({ powerPreference: 'high-performance' });
  let pending: Promise<AdapterLike | null>;
  if (options.captureDawnLog === false) {
    pending = request();
  } else {
    const { result, captured } = captureNativeStderr(request);
    pending = result;
    if (captured) {
      for (const line of captured.split('\n')) {
        if (!line.trim()) continue;
        if (log) log(`webgpu: Dawn: ${line}`);
        else process.stderr.write(`${line}\n`);
      }
    }
  }
  const adapter = await pending;
  if (!adapter) {
    throw new Error(
      'Dawn found no WebGPU adapter (no Vulkan driver: install the GPU vendor driver, or Mesa >= 25 lavapipe for CPU)',
    );
  }
  const info = adapter.info ?? {};
  const adapterName =
    [info.description, info.device, info.architecture, info.vendor].find((s) => s) ?? 'unknown';
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`;
  return {
    adapterName,
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    isSoftware:
      Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || SOFTWARE_ADAPTER.test(text),
  };
}

/** Probes the adapter, loads @tensorflow/tfjs-backend-webgpu and activates it. */
export async function initWebGpuBackend(
  load: ModuleLoader,
  options: WebGpuOptions = {},
  log?: (line: string) => void,
): Promise<WebGpuAdapterDescription> {
  const adapter = await probeWebGpuAdapter(load, options, log);
  try {
    load('@tensorflow/tfjs-backend-webgpu');
  } catch (error) {
    throw new Error(`@tensorflow/tfjs-backend-webgpu does not load: ${errorMessage(error)}`);
  }
  await activateBackend('webgpu');
  if (options.bindGroupCache !== false) installBindGroupCache(tf.backend());
  return adapter;
}

/**
 * Lets the process exit after WebGPU use: Dawn keeps the event loop alive while its GPU object
 * is reachable. Removes TF.js's webgpu backend and the navigator.gpu this package installed.
 */
export function releaseWebGpu(): void {
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  if (!installedGpu) return;
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav && nav.gpu === installedGpu) delete nav.gpu;
  installedGpu = undefined;
}
