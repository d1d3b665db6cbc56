import * as path from 'node:path';
import { activateBackend } from './activate-backend.js';
import { errorMessage, type ModuleLoader, resolvePackageFile } from './module-loader.js';

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

interface WasmBackendModule {
  setWasmPaths(prefixOrFileMap: string | Record<string, string>, usePlatformFetch?: boolean): void;
  getThreadsCount?(): number;
}

let wasmPathsSet = false;

/** Directory holding tfjs-backend-wasm's .wasm binaries (its dist/), with a trailing separator. */
export function wasmBinaryDirectory(): string {
  const entry = resolvePackageFile(WASM_PACKAGE);
  if (!entry) throw new Error(`${WASM_PACKAGE} is not installed`);
  return path.dirname(entry) + path.sep;
}

/** Loads tfjs-backend-wasm, points it at its own .wasm files and activates it. */
export async function initWasmBackend(load: ModuleLoader): Promise<{ wasmDirectory: string }> {
  let wasm: WasmBackendModule;
  try {
    wasm = load(WASM_PACKAGE) as WasmBackendModule;
  } catch (error) {
    throw new Error(`${WASM_PACKAGE} does not load: ${errorMessage(error)}`);
  }
  const wasmDirectory = wasmBinaryDirectory();
  if (!wasmPathsSet) {
    // Without this, bundled or ESM-resolved copies look for the .wasm next to the wrong file.
    wasm.setWasmPaths(wasmDirectory);
    wasmPathsSet = true;
  }
  await activateBackend('wasm');
  return { wasmDirectory };
}
