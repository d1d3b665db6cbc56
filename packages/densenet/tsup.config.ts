import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { resolve: [/^@cihmlc\/internal/] },
  // @cihmlc/internal is private: bundle it (code and types) so the package installs on its own.
  noExternal: ['@cihmlc/internal'],
  sourcemap: true,
  clean: true,
  target: 'node20',
});
