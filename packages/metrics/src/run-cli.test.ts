import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS, sklearn } from '../test/reference.js';
import { runCli } from './run-cli.js';

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('cihmlc-metrics', () => {
  it('--json prints exactly perLabel, average and violations', async () => {
    const { code, stdout, stderr } = await cli(REFERENCE_PREDICTIONS, '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(['perLabel', 'average', 'violations']);
    expect(Object.keys(json.perLabel)).toEqual(sklearn.fixture.labels);
    const ref = sklearn.fixture.derivedGroundTruth;
    for (const [label, v] of Object.entries(json.perLabel) as [
      string,
      { auroc: number; positives: number },
    ][]) {
      expect(Object.keys(v)).toEqual(['auroc', 'positives']);
      expect(v.auroc).toBeCloseTo(ref.perLabel[label]!.auroc!, 12);
      expect(v.positives).toBe(ref.perLabel[label]!.positives);
    }
    expect(Object.keys(json.average)).toEqual(['macro', 'weighted', 'micro']);
    expect(json.average.weighted).toBeCloseTo(ref.average.weighted, 12);
    expect(json.violations.imagesWithViolation).toBe(
      sklearn.fixture.violations.imagesWithViolation,
    );
    expect(json.violations.perEdge).toHaveLength(20);
  });

  it('prints per-label AUROC with positives, the averages and violation rates', async () => {
    const { code, stdout } = await cli(REFERENCE_PREDICTIONS);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Atelectasis\s+0\.8794\s+178/);
    expect(stdout).toContain('AUROC macro 0.8821, weighted 0.9034, micro 0.9181');
    expect(stdout).toContain('56 rows differ');
    expect(stdout).toMatch(/hierarchy violations: 13 of 668 images/);
  });

  it('--bootstrap adds patient-level intervals to the text and the report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metrics-boot-'));
    const { code, stdout } = await cli(
      REFERENCE_PREDICTIONS,
      '--bootstrap',
      '60',
      '--seed',
      '7',
      '--out',
      dir,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/Atelectasis\s+0\.8794\s+\[0\.8\d{3}, 0\.9\d{3}\]\s+178/);
    expect(stdout).toMatch(/intervals: percentile bootstrap, 60 resamples of \d+ patients, seed 7/);
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('| Label | AUROC | 95% CI | Positives | Accuracy | F1 |');
    const csv = await readFile(join(dir, 'per-label.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'Label,AUROC,AUROC lower,AUROC upper,Positives,Negatives,Accuracy,Precision,Recall,F1',
    );
    // The --json schema stays exactly as documented.
    expect(Object.keys(JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')))).toEqual([
      'perLabel',
      'average',
      'violations',
    ]);
  });

  it('--file-gt keeps the file’s Abnormal_GT', async () => {
    const { stdout } = await cli(REFERENCE_PREDICTIONS, '--json', '--file-gt');
    expect(JSON.parse(stdout).perLabel.Abnormal.auroc).toBeCloseTo(
      sklearn.fixture.fileGroundTruth.perLabel.Abnormal!.auroc!,
      12,
    );
  });

  it('--out writes tables, plots and metrics.json, with no temporary files left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metrics-out-'));
    const { code } = await cli(
      REFERENCE_PREDICTIONS,
      '--out',
      join(dir, 'report'),
      '--name',
      'Ours',
    );
    expect(code).toBe(0);
    const files = (await readdir(join(dir, 'report'))).sort();
    expect(files).toEqual([
      'metrics.json',
      'per-label.csv',
      'report.md',
      'roc.png',
      'roc.svg',
      'table-1.csv',
      'table-2.csv',
      'table-3.csv',
    ]);
    const metrics = JSON.parse(await readFile(join(dir, 'report', 'metrics.json'), 'utf8'));
    expect(metrics.average.weighted.toFixed(4)).toBe('0.9034');
    const md = await readFile(join(dir, 'report', 'report.md'), 'utf8');
    expect(md).toContain('| *Ours | **0.879** |');
  });

  it('writes one set of files per run for several prediction files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metrics-runs-'));
    const copy = join(dir, 'second.csv');
    await writeFile(copy, await readFile(REFERENCE_PREDICTIONS));
    const { code, stdout } = await cli(REFERENCE_PREDICTIONS, copy, '--out', join(dir, 'r'));
    expect(code).toBe(0);
    // Identical predictions: every difference is 0, so t and p are NaN (as scipy reports).
    expect(stdout).toContain('| second | Table I (5): 5 | 0.0000 | NaN | 4 | NaN |');
    const files = await readdir(join(dir, 'r'));
    expect(files).toContain('metrics-second.json');
    expect(files).toContain('roc-test-predictions.png');
    expect((await readFile(join(dir, 'r', 'table-1.csv'), 'utf8')).trim().split('\n')).toHaveLength(
      3,
    );
  });

  it('reads --labels and --scores', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metrics-pair-'));
    await writeFile(join(dir, 'l.csv'), 'Path,A,B\nx,1,0\ny,0,1\nz,1,1\n');
    await writeFile(join(dir, 's.csv'), 'Path,B,A\nz,0.9,0.8\ny,0.7,0.1\nx,0.2,0.6\n');
    const { code, stdout } = await cli(
      '--labels',
      join(dir, 'l.csv'),
      '--scores',
      join(dir, 's.csv'),
      '--json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      perLabel: { B: { auroc: 1, positives: 2 }, A: { auroc: 1, positives: 2 } },
      average: { macro: 1, weighted: 1, micro: 1 },
      violations: null,
    });
  });

  it('fails with exit code 1 and a message naming file, line and column on bad input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metrics-bad-'));
    const file = join(dir, 'bad.csv');
    await writeFile(file, 'Path,A_GT,A_Pred\nx,1,0.3\ny,0,NaN\n');
    const bad = await cli(file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `cihmlc-metrics: ${file}: line 3, column "A_Pred": score "NaN" is not a finite number\n`,
    );
    const missing = await cli(join(dir, 'none.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('none.csv: no such file');
  });

  it('fails with exit code 2 and the usage on wrong arguments', async () => {
    for (const args of [
      [],
      ['--labels', 'l.csv'],
      ['a.csv', 'b.csv', '--json'],
      ['--bogus'],
      ['a.csv', '--threshold', 'x'],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage:');
    }
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('cihmlc-metrics PREDICTIONS.csv');
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 bad input');
  });

  it('--version prints the package.json version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
    const r = await cli('--version');
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});
