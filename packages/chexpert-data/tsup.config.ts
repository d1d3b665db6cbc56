import { defineConfig } from 'tsup';

export default defineConfig({
  // The decode worker is its own entry so worker_threads can load it from dist (ESM and CJS).
  entry: ['src/index.ts', 'src/cli.ts', 'src/pool-worker.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: ['src/index.ts'] },
  // No source maps: they would point at src/, which the tarball does not ship (root README, "Releasing").
  sourcemap: false,
  clean: true,
  // import.meta.url in the CJS build (locating the worker file next to the module).
  shims: true,
  target: 'node20',
});
