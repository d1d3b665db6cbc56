import { defineConfig } from 'tsup';

export default defineConfig({
  // The decode worker is its own entry so worker_threads can load it from dist (ESM and CJS).
  entry: ['src/index.ts', 'src/preprocess.ts', 'src/cli.ts', 'src/pool-worker.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: ['src/index.ts', 'src/preprocess.ts'] },
  sourcemap: true,
  clean: true,
  // import.meta.url in the CJS build (locating the worker file next to the module).
  shims: true,
  target: 'node20',
});
