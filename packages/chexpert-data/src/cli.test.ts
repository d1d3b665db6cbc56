import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { tempDir } from './test-support/fixtures.js';

const run = promisify(execFile);
const dist = inject('distDir');

/** Runs the built CLI; resolves with exit code and output instead of throwing. */
async function cli(args: string[], format: 'js' | 'cjs' = 'js') {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(dist, `cli.${format}`), ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cihmlc-data CLI', () => {
  const out = tempDir();

  it('synth, stats (table and --json) and prepare on a tiny dataset', async () => {
    const synth = await cli([
      'synth',
      '--out',
      out,
      '--patients',
      '8',
      '--seed',
      '3',
      '--size',
      '48',
    ]);
    expect(synth.code).toBe(0);
    expect(synth.stdout).toMatch(/wrote .*: \d+ train, \d+ valid, \d+ test images/);
    expect(existsSync(join(out, 'train.csv'))).toBe(true);

    const table = await cli([
      'stats',
      '--root',
      out,
      '--csv',
      join(out, 'train.csv'),
      '--csv',
      `test=${join(out, 'test_labels.csv')}`,
    ]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^label\s+train pos\s+train %\s+test pos\s+test %$/);
    expect(lines.some((l) => /^Abnormal\s+\d+/.test(l))).toBe(true);
    expect(lines).toHaveLength(3 + 21);

    const json = await cli([
      'stats',
      '--root',
      out,
      '--csv',
      join(out, 'valid.csv'),
      '--json',
      '--label-set',
      'flat14',
    ]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as Record<
      string,
      { images: number; labels: { label: string }[] }
    >;
    expect(parsed.valid!.labels).toHaveLength(14);
    const csvRows = readFileSync(join(out, 'valid.csv'), 'utf8').trim().split('\n').length - 1;
    expect(parsed.valid!.images).toBe(csvRows);

    // The CJS build prepares with worker threads too.
    const cache = join(out, 'cache');
    const prep = await cli(
      [
        'prepare',
        '--root',
        out,
        '--csv',
        join(out, 'train.csv'),
        '--cache',
        cache,
        '--size',
        '16',
        '--frontal',
        '--workers',
        '2',
      ],
      'cjs',
    );
    expect(prep.code).toBe(0);
    expect(prep.stdout).toMatch(/^built /);
    const again = await cli([
      'prepare',
      '--root',
      out,
      '--csv',
      join(out, 'train.csv'),
      '--cache',
      cache,
      '--size',
      '16',
      '--frontal',
    ]);
    expect(again.stdout).toMatch(/^reused /);
    const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as {
      size: number;
      splits: Record<string, unknown>;
    };
    expect(index.size).toBe(16);
    expect(Object.keys(index.splits)).toEqual(['train']);
  });

  it('prints clear errors with a non-zero exit', async () => {
    const noOut = await cli(['synth', '--patients', '3']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('cihmlc-data: error: --out is required');
    const badNumber = await cli(['synth', '--out', out, '--patients', 'many']);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('--patients: "many" is not an integer ≥ 1');
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    const missing = await cli(['stats', '--root', out, '--csv', join(out, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.csv');
    const policy = await cli([
      'stats',
      '--root',
      out,
      '--csv',
      join(out, 'valid.csv'),
      '--policy',
      'maybe',
    ]);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain('--policy: "maybe" is not one of zeros, ones, ignore');
  });

  it('stats and prepare fail (exit 1, root and CSV named) for a missing root or no images', async () => {
    const csv = join(out, 'valid.csv');
    const noRoot = join(out, 'no-such-root');
    for (const command of ['stats', 'prepare']) {
      const extra = command === 'prepare' ? ['--cache', join(out, 'never-written')] : [];
      const r = await cli([command, '--root', noRoot, '--csv', csv, ...extra]);
      expect(r.code, command).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`--root ${noRoot}: no such directory`);
      expect(r.stderr).toContain(csv);
    }
    expect(existsSync(join(out, 'never-written'))).toBe(false);

    // A root that exists but holds none of the CSV's images (the default --missing skip).
    const emptyRoot = tempDir();
    const csvRows = readFileSync(csv, 'utf8').trim().split('\n').length - 1;
    const none = await cli(['stats', '--root', emptyRoot, '--csv', csv]);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain(`${csv}: no images found under --root ${emptyRoot}`);
    expect(none.stderr).toContain(`(${csvRows} row(s) read`);

    // Filters that keep nothing: also zero images.
    const filtered = await cli(['stats', '--root', out, '--csv', csv, '--sex', 'Nobody']);
    expect(filtered.code).toBe(1);
    expect(filtered.stderr).toContain(`${csv}: no images found under --root ${out}`);
  });

  it('--version prints the package.json version (ESM and CJS builds), exit 0', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    for (const format of ['js', 'cjs'] as const) {
      const r = await cli(['--version'], format);
      expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    }
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('exit codes: 0 ok, 1 failure');
  });
});
