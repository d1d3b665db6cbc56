import { seededValues } from '@cihmlc/internal';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmBinaryDirectory } from '../wasm-backend.js';

/** Deterministic uniform values in [-scale, scale) (mulberry32). */
export { seededValues };

/**
 * max |got - want| / max |want| (absolute when want is all zeros); with `minScale`, the scale is
 * floored there (for gradients of order 1 whose exact value may be zero: float32 noise of ~1e-6
 * must not count as a relative error of 1).
 */
export function relativeError(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  minScale = 0,
): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    if (!Number.isFinite(g)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, Math.abs(g - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return diff / (Math.max(scale, minScale) || 1);
}

/** Switches TF.js to `name` ('wasm' gets its .wasm files from the installed package). */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm' && !tf.findBackend('wasm')) setWasmPathsOnce();
  await tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error(`could not switch TF.js to ${name}`);
}

let pathsSet = false;
function setWasmPathsOnce() {
  if (pathsSet) return;
  setWasmPaths(wasmBinaryDirectory());
  pathsSet = true;
}

/** Runs a kernel by name on the active backend and returns its output values. */
export function runKernelValues(
  kernelName: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): { values: Float32Array; shape: number[] } {
  const out = tf
    .engine()
    .runKernel(kernelName, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  const shape = out.shape;
  out.dispose();
  return { values, shape };
}
