import { createRequire } from 'node:module';

/**
 * Loads an optional CommonJS module (or a native addon) relative to this package, from both the
 * ESM and the CJS build (tsup shims import.meta.url in CJS). Throws the loader's error.
 */
export type ModuleLoader = (specifier: string) => unknown;

const requireHere = createRequire(import.meta.url);

export const loadModule: ModuleLoader = (specifier) => requireHere(specifier);

/** Absolute path of a file inside an installed package, or undefined when it is not installed. */
export function resolvePackageFile(specifier: string): string | undefined {
  try {
    return requireHere.resolve(specifier);
  } catch {
    return undefined;
  }
}

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Native-addon and download errors run to many lines; the first one says what failed.
  return text.split('\n')[0]?.trim() ?? text;
}
