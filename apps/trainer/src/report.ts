import fs from 'node:fs';
import path from 'node:path';
import { type Evaluation, pairedTTest, type RunResult } from '@cihmlc/metrics';
import { writeReport } from '@cihmlc/metrics/node';
import { readJson, writeFileAtomic } from './atomic.js';
import { type GridRun, PAPER_GRID } from './grid.js';
import { reportOptions } from './outputs.js';
import type { RunSummary } from './run.js';

interface FinishedRun {
  grid: GridRun;
  summary: RunSummary;
  evaluation: Evaluation;
}

function loadFinished(outDir: string): { finished: FinishedRun[]; missing: string[] } {
  const finished: FinishedRun[] = [];
  const missing: string[] = [];
  for (const grid of PAPER_GRID) {
    const dir = path.join(outDir, grid.id);
    const summaryFile = path.join(dir, 'summary.json');
    if (!fs.existsSync(summaryFile)) {
      missing.push(grid.id);
      continue;
    }
    const summary = readJson<RunSummary>(summaryFile);
    const evaluation = readJson<Evaluation>(path.join(dir, 'evaluation', 'evaluation.json'));
    finished.push({ grid, summary, evaluation });
  }
  return { finished, missing };
}

function aurocs(e: Evaluation, labels: string[]): (number | null)[] {
  return labels.map((l) => e.perLabel.find((p) => p.label === l)?.auroc ?? null);
}

/**
 * Merges the finished grid runs under `outDir` into Tables I–III (report.md, CSVs) and paired
 * t-tests between configurations over their common labels' AUROCs.
 */
export async function writeGridReport(outDir: string, log: (s: string) => void): Promise<string> {
  const { finished, missing } = loadFinished(outDir);
  if (finished.length === 0) throw new Error(`${outDir}: no finished grid runs (summary.json) yet`);
  if (missing.length) log(`not finished yet (left out): ${missing.join(', ')}`);
  const runs: RunResult[] = finished.map((f) => ({
    name: f.grid.label,
    group: f.grid.patch.penalty === 'none' ? 'flat' : (f.grid.patch.penalty as string),
    evaluation: f.evaluation,
    hierarchical: f.grid.patch.labelSet === 'hierarchical21',
  }));
  const reportDir = path.join(outDir, 'report');
  await writeReport(reportDir, runs, reportOptions(finished[0]!.summary.config.data));

  // Paired t-tests: every configuration against flat (14 common labels), and data-driven
  // against fixed at the same λ (all common labels).
  const lines = [
    '# Paired t-tests over per-label AUROCs',
    '',
    '| A | B | labels | mean diff | t | p |',
    '|---|---|---|---|---|---|',
  ];
  const byId = new Map(finished.map((f) => [f.grid.id, f]));
  const pairs: [string, string][] = [];
  for (const f of finished) if (f.grid.id !== 'flat14') pairs.push([f.grid.id, 'flat14']);
  for (const f of finished) {
    if (f.grid.id.startsWith('hier-data-driven-'))
      pairs.push([f.grid.id, f.grid.id.replace('data-driven', 'fixed')]);
  }
  for (const [a, b] of pairs) {
    const A = byId.get(a);
    const B = byId.get(b);
    if (!A || !B) continue;
    const common = A.evaluation.labels.filter((l) => B.evaluation.labels.includes(l));
    const t = pairedTTest(aurocs(A.evaluation, common), aurocs(B.evaluation, common));
    lines.push(
      `| ${A.grid.label} | ${B.grid.label} | ${common.length} | ${t.meanDifference.toFixed(4)} | ${t.t.toFixed(3)} | ${t.p.toPrecision(3)} |`,
    );
  }
  writeFileAtomic(path.join(reportDir, 'paired-t-tests.md'), `${lines.join('\n')}\n`);
  return reportDir;
}
