import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  // @cihmlc/internal ships TypeScript sources: bundle it into the app.
  noExternal: ['@cihmlc/internal'],
  sourcemap: true,
  clean: true,
  target: 'node20',
});
