import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: { resolve: [/^@cihmlc\/internal/] },
  // @cihmlc/internal is private: bundle it (code and types) so the package installs on its own.
  noExternal: ['@cihmlc/internal'],
  // No source maps: they would point at src/, which the tarball does not ship (root README, "Releasing").
  sourcemap: false,
  clean: true,
  target: 'node20',
});
