import { defineConfig } from 'tsup';

// Only type declarations: the public packages bundle this package's sources (tsup noExternal),
// and their declaration bundler (tsup dts `resolve`) inlines these self-contained files.
// They are written to the package root (index.d.ts, node.d.ts) because that resolver finds
// `@cihmlc/internal/node` as the file `node.d.ts`, not through `exports`.
export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  format: ['esm'],
  dts: { only: true },
  outDir: '.',
  clean: false,
  target: 'node20',
});
