#!/usr/bin/env node
// Runs the embedded default job exactly as `pnpm --filter trainer start` does (fresh output and
// cache folders, so the synthetic dataset is generated too) and checks the targets:
// at most 10 minutes and a test weighted AUROC of at least 0.85; the other rows check that the
// summary is sane (a known backend, 1 … configured epochs run, a positive training speed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_SECONDS = 600;
const MIN_WEIGHTED_AUROC = 0.85;
const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-default-'));
const started = Date.now();
const result = spawnSync(
  process.execPath,
  [
    path.join(app, 'dist/cli.js'),
    '--out',
    path.join(work, 'run'),
    '--cache-dir',
    path.join(work, 'cache'),
  ],
  { stdio: 'inherit', env: { ...process.env, INIT_CWD: work } },
);
const seconds = (Date.now() - started) / 1000;
if (result.status !== 0) {
  console.error(`default run failed (exit ${result.status})`);
  process.exit(1);
}
const summary = JSON.parse(fs.readFileSync(path.join(work, 'run', 'summary.json'), 'utf8'));
const auroc = summary.test.weightedAuroc;
const rows = [
  {
    check: 'wall time (s)',
    value: seconds.toFixed(0),
    target: `≤ ${MAX_SECONDS}`,
    ok: seconds <= MAX_SECONDS,
  },
  {
    check: 'test weighted AUROC',
    value: auroc?.toFixed(4),
    target: `≥ ${MIN_WEIGHTED_AUROC}`,
    ok: auroc >= MIN_WEIGHTED_AUROC,
  },
  {
    check: 'backend',
    value: summary.backend,
    target: 'tensorflow, webgpu, wasm or cpu',
    ok: ['tensorflow', 'webgpu', 'wasm', 'cpu'].includes(summary.backend),
  },
  {
    check: 'epochs run',
    value: summary.epochs,
    target: `1 … ${summary.config.epochs} (the configured epochs)`,
    ok:
      Number.isInteger(summary.epochs) &&
      summary.epochs >= 1 &&
      summary.epochs <= summary.config.epochs,
  },
  {
    check: 'training images/s (last epoch)',
    value: summary.imagesPerSecond?.toFixed(1),
    target: '> 0',
    ok: summary.imagesPerSecond > 0,
  },
];
console.table(rows);
fs.rmSync(work, { recursive: true, force: true });
process.exit(rows.every((r) => r.ok) ? 0 : 1);
