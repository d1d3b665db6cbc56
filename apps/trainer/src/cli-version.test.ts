import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const pkgDir = join(import.meta.dirname, '..');

/** Runs the bundled bin; resolves with exit code and output instead of throwing. */
async function bin(file: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args], { cwd: pkgDir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cihmlc-train bin', () => {
  // The bin as tsup bundles it (dependencies external), into a folder of its own inside the
  // package so that the workspace packages resolve through its node_modules.
  const outDir = mkdtempSync(join(pkgDir, 'node_modules', '.cli-version-test-'));
  const file = join(outDir, 'cli.js');
  beforeAll(async () => {
    await build({
      config: false,
      entry: { cli: join(pkgDir, 'src/cli.ts') },
      format: ['esm'],
      outDir,
      target: 'node20',
      silent: true,
    });
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('--version prints the package.json version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    expect(await bin(file, ['--version'])).toEqual({
      code: 0,
      stdout: `${pkg.version}\n`,
      stderr: '',
    });
  });

  it('exits 1 with the error on stderr for a bad argument', async () => {
    const r = await bin(file, ['train', '--no-such-option', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--no-such-option');
  });
});
