/**
 * Vitest global setup: builds the package once into .test-build/dist/ (inside the package, so bare
 * imports resolve through its node_modules). The CLI and worker-pool tests run that build:
 * worker_threads and `node cli.js` cannot execute TypeScript sources. A separate directory keeps
 * the tests independent of a concurrent `tsup` writing dist/.
 */
import { join } from 'node:path';
import { build } from 'tsup';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    distDir: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const root = join(import.meta.dirname, '..', '..');
  // A folder named dist: excluded by the workspace's biome and git ignore rules.
  const outDir = join(root, '.test-build', 'dist');
  await build({
    config: false,
    entry: {
      index: join(root, 'src/index.ts'),
      cli: join(root, 'src/cli.ts'),
      'pool-worker': join(root, 'src/pool-worker.ts'),
      synthetic: join(root, 'src/synthetic/index.ts'),
    },
    format: ['esm', 'cjs'],
    outDir,
    clean: true,
    shims: true,
    target: 'node20',
    silent: true,
    dts: false,
    external: ['@tensorflow/tfjs', '@cihmlc/taxonomy', 'jimp', 'fast-csv'],
  });
  project.provide('distDir', outDir);
}
