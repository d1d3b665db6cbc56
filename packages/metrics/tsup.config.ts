import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: { resolve: [/^@cihmlc\/internal/] },
  // @cihmlc/internal is private: bundle it (code and types) so the package installs on its own.
  noExternal: ['@cihmlc/internal'],
  // No source maps: they would point at src/, which the tarball does not ship (root README, "Releasing").
  sourcemap: false,
  clean: true,
  // CJS too: the main and ./node entries share one copy of the shared modules.
  splitting: true,
  target: 'node20',
});
