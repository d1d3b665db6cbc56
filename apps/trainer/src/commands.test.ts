import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PUBLISHED_TABLE_III } from '@cihmlc/metrics';
import type { EpochRecord } from '@cihmlc/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './commands.js';

// Every command on a small synthetic dataset: 40 patients, 32×32 images, the tiny DenseNet,
// 2 epochs of at most 3 batches. Shared folders so the dataset and cache are built once.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-trainer-'));
const SMALL = [
  '--patients',
  '40',
  '--image-size',
  '32',
  '--batch-size',
  '8',
  '--epochs',
  '2',
  '--max-batches',
  '3',
  '--mc-samples',
  '3',
  '--backend',
  'wasm',
];

async function cli(args: string[], signal?: AbortSignal): Promise<string[]> {
  const lines: string[] = [];
  await runCli(args, { cwd: work, log: (l) => lines.push(l), ...(signal ? { signal } : {}) });
  return lines;
}

const readJsonl = (file: string): EpochRecord[] =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochRecord);

/** Epoch records without the timing fields, which differ between runs. */
const results = (records: EpochRecord[]) =>
  records.map(({ seconds: _s, imagesPerSecond: _i, ...rest }) => rest);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('train', () => {
  let runDir: string;
  beforeAll(async () => {
    await cli(['train', '--out', 'runs/a', ...SMALL]);
    runDir = path.join(work, 'runs/a');
  });

  it('writes the documented run directory', () => {
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'summary.json',
      'checkpoints/last/checkpoint.json',
      'checkpoints/best-loss/weights.json',
      'evaluation/report.md',
      'evaluation/evaluation.json',
      'evaluation/test-predictions.csv',
      'explain/mc-dropout.json',
      'explain/image-01-gradcam-grid.png',
      'explain/image-01/abnormal.png',
    ]) {
      expect(fs.existsSync(path.join(runDir, f)), f).toBe(true);
    }
    expect(fs.readdirSync(path.join(runDir, 'evaluation')).some((f) => f.endsWith('.png'))).toBe(
      true,
    );
    const records = readJsonl(path.join(runDir, 'metrics.jsonl'));
    expect(records.map((r) => r.epoch)).toEqual([0, 1]);
    for (const r of records) {
      expect(Number.isFinite(r.trainLoss) && Number.isFinite(r.valLoss)).toBe(true);
      expect(r.valLoss).toBeCloseTo(r.valBce + r.valPenalty, 5);
    }
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    expect(summary.epochs).toBe(2);
    expect(summary.test.weightedAuroc).toBeGreaterThan(0);
    expect(summary.config.labelSet).toBe('hierarchical21');
    const report = fs.readFileSync(path.join(runDir, 'evaluation/report.md'), 'utf8');
    expect(report).toMatch(
      /^> \*\*Synthetic data\.\*\* .* not comparable with the published CheXpert results/,
    );
    // Table III lists the published CheXpert rows unranked, without this synthetic run.
    const table3 = report
      .slice(report.indexOf('**Table III.**'))
      .split('\n\n')
      .slice(0, 2)
      .join('\n');
    expect(table3).toMatch(/Not ranked\./);
    expect(table3).not.toMatch(/\| \*?a( best-[a-z]+)? \|/);
    expect(table3.split('\n').filter((l) => l.startsWith('| ')).length).toBe(
      2 + PUBLISHED_TABLE_III.length, // header, separator, published rows
    );
    const mc = JSON.parse(fs.readFileSync(path.join(runDir, 'explain/mc-dropout.json'), 'utf8'));
    expect(mc.images[0].uncertainty).toHaveLength(21);
  });

  it('does not train a complete run again, and refuses another config in the same folder', async () => {
    const again = await cli(['train', '--out', 'runs/a', ...SMALL]);
    expect(again.join('\n')).toMatch(/already complete/);
    await expect(cli(['train', '--out', 'runs/a', ...SMALL, '--lambda', '0.3'])).rejects.toThrow(
      /holds a run with another configuration/,
    );
  });

  it('resumes an interrupted run to the same results as an uninterrupted one', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    await expect(
      runCli(['train', '--out', 'runs/b', ...SMALL], {
        cwd: work,
        signal: controller.signal,
        log: (l) => {
          lines.push(l);
          if (l.startsWith('epoch 1:')) controller.abort();
        },
      }),
    ).rejects.toThrow(/interrupted: 1 epoch\(s\) are checkpointed/);
    expect(fs.existsSync(path.join(work, 'runs/b/summary.json'))).toBe(false);
    expect(readJsonl(path.join(work, 'runs/b/metrics.jsonl'))).toHaveLength(1);
    const resumed = await cli(['train', '--out', 'runs/b', ...SMALL]);
    expect(resumed.join('\n')).toMatch(/resuming from .* after epoch 1/);

    const a = readJsonl(path.join(work, 'runs/a/metrics.jsonl'));
    const b = readJsonl(path.join(work, 'runs/b/metrics.jsonl'));
    expect(results(b)).toEqual(results(a));
    const weights = (run: string) => {
      const dir = path.join(work, run, 'checkpoints/last');
      return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.bin'))
        .sort()
        .map((f) => fs.readFileSync(path.join(dir, f)).toString('base64'));
    };
    expect(weights('runs/b')).toEqual(weights('runs/a'));
  });
});

describe('evaluate, explain and predict on a finished run', () => {
  const image = () =>
    path.join(
      work,
      '.cache/cihmlc/synthetic-40/test',
      fs.readdirSync(path.join(work, '.cache/cihmlc/synthetic-40/test'))[0]!,
      'study1/view1_frontal.jpg',
    );

  it('evaluate writes metrics, tables and plots for a checkpoint and split', async () => {
    const lines = await cli([
      'evaluate',
      '--run',
      'runs/a',
      '--split',
      'valid',
      '--checkpoint',
      'best-auroc',
      '--out',
      'eval-valid',
    ]);
    expect(lines.join('\n')).toMatch(/valid: weighted AUROC \d\.\d{4}/);
    expect(fs.existsSync(path.join(work, 'eval-valid/report.md'))).toBe(true);
    expect(fs.existsSync(path.join(work, 'eval-valid/table-1.csv'))).toBe(true);
  });

  it('explain writes a Grad-CAM grid titled with MC-dropout mean±std', async () => {
    const lines = await cli(['explain', '--run', 'runs/a', '--out', 'explained', image()]);
    expect(lines.join('\n')).toMatch(/Abnormal: \d\.\d{3}±\d\.\d{3}/);
    expect(fs.existsSync(path.join(work, 'explained/image-01-gradcam-grid.png'))).toBe(true);
  });

  it('predict gives probabilities and uncertainty per label, optionally consistent', async () => {
    await cli(['predict', '--run', 'runs/a', '--consistent', '--out', 'pred.json', image()]);
    const result = JSON.parse(fs.readFileSync(path.join(work, 'pred.json'), 'utf8'));
    const p = result.images[0].probabilities as Record<string, number>;
    expect(Object.keys(p)).toHaveLength(21);
    // Hierarchy-consistent: no child above its parent.
    expect(p.Pneumonia).toBeLessThanOrEqual(p.Consolidation!);
    expect(p.Opacity).toBeLessThanOrEqual(p.Abnormal!);
    // MC dropout (10 passes, dropout 0.5 in the head) spreads the outputs: a zero spread on every
    // label would mean dropout was not active.
    const u = Object.values(result.images[0].uncertainty) as { mean: number; std: number }[];
    expect(u).toHaveLength(21);
    for (const { mean, std } of u) {
      expect(mean).toBeGreaterThanOrEqual(0);
      expect(mean).toBeLessThanOrEqual(1);
      expect(std).toBeLessThanOrEqual(0.5);
    }
    expect(u.filter((x) => x.std > 1e-6).length).toBeGreaterThan(10);
  });

  it('names the problem for bad input', async () => {
    const notImage = path.join(work, 'not-an-image.jpg');
    fs.writeFileSync(notImage, 'hello');
    await expect(cli(['predict', '--run', 'runs/a', notImage])).rejects.toThrow(
      /not-an-image\.jpg: cannot decode image/,
    );
    await expect(cli(['predict', '--run', 'runs/a', 'missing.jpg'])).rejects.toThrow(
      /image not found: missing\.jpg/,
    );
    await expect(
      cli(['train', '--data', path.join(work, 'no-such-chexpert'), ...SMALL]),
    ).rejects.toThrow(/missing dataset file .*no-such-chexpert/);
    // Relative paths are the user's (the cwd the command was typed in), not the package folder.
    await expect(cli(['train', '--data', 'rel-chexpert', ...SMALL])).rejects.toThrow(
      `missing dataset file ${path.join(work, 'rel-chexpert')}/train.csv`,
    );
    fs.writeFileSync(path.join(work, 'bad-config.json'), '{ "lambda": "much" }');
    await expect(cli(['train', '--config', 'bad-config.json', ...SMALL])).rejects.toThrow(
      /config lambda: "much"/,
    );
    // A checkpoint whose outputs do not match the label set.
    fs.cpSync(path.join(work, 'runs/a'), path.join(work, 'runs/mismatch'), { recursive: true });
    const configFile = path.join(work, 'runs/mismatch/config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    fs.writeFileSync(
      configFile,
      JSON.stringify({ ...config, labelSet: 'flat14', penalty: 'none' }),
    );
    await expect(cli(['evaluate', '--run', 'runs/mismatch'])).rejects.toThrow(
      /does not fit a tiny model with the 14 outputs of label set flat14/,
    );
    await expect(cli(['train', '--variant', 'huge', ...SMALL])).rejects.toThrow(
      /--variant: DenseNet variant: unknown preset "huge"/,
    );
    await expect(cli(['train', '--lambda', 'x', ...SMALL])).rejects.toThrow(
      /--lambda: "x" is not a number/,
    );
  });
});

describe('grid and report', () => {
  it('runs a shard of the grid and merges finished runs into the tables', async () => {
    const lines = await cli(['grid', '--out', 'grid', '--shard', '0/5', ...SMALL]);
    expect(lines.join('\n')).toMatch(/grid shard 0\/5: flat14, hier-data-driven-1\.0/);
    for (const id of ['flat14', 'hier-data-driven-1.0']) {
      expect(fs.existsSync(path.join(work, 'grid', id, 'summary.json'))).toBe(true);
    }
    expect(fs.existsSync(path.join(work, 'grid/flat15'))).toBe(false);
    const report = await cli(['report', '--out', 'grid']);
    expect(report.join('\n')).toMatch(/not finished yet \(left out\): flat15/);
    const md = fs.readFileSync(path.join(work, 'grid/report/report.md'), 'utf8');
    expect(md).toMatch(/Flat \(14\)/);
    expect(md).toMatch(/Data-driven λ=1\.0/);
    // The paired t-tests are report.md's section (pairs given to @cihmlc/metrics); the count is
    // of the 14 shared labels with an AUROC in both runs (6 test images leave some undefined).
    expect(md).toMatch(/\| Data-driven λ=1\.0 \| Flat \(14\) \| all shared: ([2-9]|1[0-4]) \|/);
  });
});
