import { defineConfig } from 'tsup';

// Only type declarations: the public packages bundle this package's sources (tsup noExternal),
// and their declaration bundler (tsup dts `resolve`) inlines these self-contained files.
// They are written to the package root (index.d.ts, node.d.ts) because that resolver finds
// `@cihmlc/internal/node` as the file `node.d.ts`, not through `exports`.
// One build per entry, so that each file stays self-contained (node.d.ts uses the option
// table's types; one build of both would move those into a shared chunk file).
const entry = (name: 'index' | 'node') => ({
  entry: { [name]: `src/${name}.ts` },
  format: ['esm' as const],
  dts: { only: true },
  outDir: '.',
  clean: false,
  target: 'node20',
});

export default defineConfig([entry('index'), entry('node')]);
