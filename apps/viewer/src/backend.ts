import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Fastest first. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  backend: BackendName;
  /** Faster backends that could not start here, with why. */
  skipped: { backend: BackendName; reason: string }[];
}

// The .wasm binaries are files of this app (bundled by Vite), never fetched from a CDN.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    if (name === 'webgpu') {
      if (
        !('gpu' in navigator) ||
        !(await (navigator as Navigator & { gpu: GPU }).gpu.requestAdapter())
      ) {
        return 'no WebGPU adapter in this browser';
      }
      await import('@tensorflow/tfjs-backend-webgpu');
    }
    if (!(await tf.setBackend(name))) return 'failed to initialise';
    await tf.ready();
    // A tiny computation proves the backend works (webgl contexts can be lost, etc.).
    const probe = tf.tidy(() => tf.sum(tf.add(tf.ones([2, 2]), 1)));
    const value = (await probe.data())[0];
    probe.dispose();
    return value === 8 ? null : `a test sum gave ${value}`;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

/**
 * Picks the fastest backend that works here: webgpu, then webgl, then wasm; `requested`
 * (`?backend=wasm`) forces one.
 */
export async function chooseBackend(requested?: string | null): Promise<BackendChoice> {
  const order: BackendName[] = requested ? BACKENDS.filter((b) => b === requested) : [...BACKENDS];
  if (order.length === 0)
    throw new Error(`backend=${requested}: expected one of ${BACKENDS.join(', ')}`);
  const skipped: BackendChoice['skipped'] = [];
  for (const backend of order) {
    const reason = await tryBackend(backend);
    if (reason === null) return { backend, skipped };
    skipped.push({ backend, reason });
  }
  throw new Error(
    `no TF.js backend works here: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
  );
}
