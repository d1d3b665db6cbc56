import { defineConfig } from 'tsup';

export default defineConfig({
  // cli: the `cihmlc-runtime` bin (Node only; not reachable from the main entry).
  entry: { index: 'src/index.ts', cli: 'src/link-tensorflow/cli.ts' },
  format: ['esm', 'cjs'],
  dts: { resolve: [/^@cihmlc\/internal/] },
  // @cihmlc/internal is private: bundle it (code and types) so the package installs on its own.
  noExternal: ['@cihmlc/internal'],
  // No source maps: they would point at src/, which the tarball does not ship (root README, "Releasing").
  sourcemap: false,
  clean: true,
  target: 'node20',
  // import.meta.url (used to resolve optional modules and .wasm files) must work in the CJS build too.
  shims: true,
});
