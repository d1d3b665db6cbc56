import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // CJS too: index and node share one copy of the classes (FusedBatchNormalization).
  splitting: true,
  target: 'node20',
});
