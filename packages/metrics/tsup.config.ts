import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // CJS too: the main and ./node entries share one copy of the shared modules.
  splitting: true,
  target: 'node20',
});
