import { defineConfig } from 'tsup';

export default defineConfig({
  // The decode worker is its own entry so worker_threads can load it from dist (ESM and CJS);
  // the synthetic generator is the `./synthetic` subpath, `./preprocess` the browser-safe one.
  entry: {
    index: 'src/index.ts',
    preprocess: 'src/preprocess.ts',
    cli: 'src/cli.ts',
    'pool-worker': 'src/pool-worker.ts',
    synthetic: 'src/synthetic/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: {
    entry: {
      index: 'src/index.ts',
      preprocess: 'src/preprocess.ts',
      synthetic: 'src/synthetic/index.ts',
    },
    resolve: [/^@cihmlc\/internal/],
  },
  // @cihmlc/internal is private: bundle it (code and types) so the package installs on its own.
  noExternal: ['@cihmlc/internal'],
  // No source maps: they would point at src/, which the tarball does not ship (root README, "Releasing").
  sourcemap: false,
  clean: true,
  // import.meta.url in the CJS build (locating the worker file next to the module).
  shims: true,
  target: 'node20',
});
