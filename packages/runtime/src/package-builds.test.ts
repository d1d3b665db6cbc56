import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';
import { beforeAll, describe, expect, it } from 'vitest';
import packageConfig from '../tsup.config.js';

// The published package ships an ESM and a CJS build; each must find the wasm binaries and the
// optional modules on its own (import.meta.url vs __filename). Built here into .cache/ with the
// package's real tsup.config.ts.
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Under a folder named dist: git- and biome-ignored like the real build output.
const outDir = path.join(packageRoot, '.cache', 'dist');

const script = (importLine: string) => `${importLine}
const tf = require_or_import_tf();
(async () => {
  const selection = await runtime.selectBackend({ backend: 'wasm' });
  const x = tf.ones([2, 6, 6, 3]);
  const w = tf.ones([3, 3, 3, 4]);
  const [dw] = tf.grads((f) => tf.conv2d(x, f, 1, 'same'))([w]);
  // Centre tap of an all-ones 6x6 'same' conv: every output pixel of 2 images sees it once.
  console.log(JSON.stringify({ backend: selection.backend, active: tf.getBackend(), centre: dw.arraySync()[1][1][0][0] }));
})().catch((e) => { console.error(e); process.exit(1); });`;

function runNode(args: string[]): { backend: string; active: string; centre: number } {
  const out = execFileSync(process.execPath, args, { cwd: packageRoot, encoding: 'utf8' });
  const line =
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1) ?? '';
  return JSON.parse(line);
}

describe('ESM and CJS builds', () => {
  beforeAll(async () => {
    // The package's own tsup.config.ts (formats, shims, target, bundled internals), with only
    // the entry made absolute, the output moved out of dist and the declarations skipped.
    expect(typeof packageConfig).toBe('object');
    const options = packageConfig as Options;
    // The entry is a list of files or a map of output name → file.
    const named: Record<string, string> = Array.isArray(options.entry)
      ? Object.fromEntries(options.entry.map((e) => [path.basename(e, '.ts'), e]))
      : ((options.entry as Record<string, string> | undefined) ?? {});
    expect(named.index).toBeDefined();
    await build({
      ...options,
      entry: Object.fromEntries(
        Object.entries(named).map(([name, file]) => [name, path.join(packageRoot, file)]),
      ),
      outDir,
      dts: false,
      silent: true,
      config: false,
    });
  }, 60_000);

  it('CJS: require() selects wasm and trains a conv filter gradient', () => {
    const code = script(
      `const runtime = require(${JSON.stringify(path.join(outDir, 'index.cjs'))});
const require_or_import_tf = () => require('@tensorflow/tfjs');`,
    );
    expect(runNode(['-e', code])).toEqual({ backend: 'wasm', active: 'wasm', centre: 72 });
  });

  it('ESM: import selects wasm and trains a conv filter gradient', () => {
    const code = script(
      `import * as runtime from ${JSON.stringify(path.join(outDir, 'index.js'))};
import * as tfModule from '@tensorflow/tfjs';
const require_or_import_tf = () => tfModule;`,
    );
    expect(runNode(['--input-type=module', '-e', code])).toEqual({
      backend: 'wasm',
      active: 'wasm',
      centre: 72,
    });
  });
});
