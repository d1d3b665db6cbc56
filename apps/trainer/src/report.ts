import path from 'node:path';
import { readJsonFile } from '@cihmlc/internal/node';
import type { ComparisonPair, Evaluation, RunResult } from '@cihmlc/metrics';
import { writeReport } from '@cihmlc/metrics/node';
import { isRunComplete, runFolderPaths } from '@cihmlc/training/node';
import { PAPER_GRID } from './grid.js';
import { evaluationFile, reportOptions } from './outputs.js';
import type { RunSummary } from './run.js';

/** The grid's runs under `outDir` that are complete (summary.json), with their test evaluation. */
function loadFinished(outDir: string) {
  const folder = (id: string) => runFolderPaths(path.join(outDir, id));
  const runs = PAPER_GRID.map((grid) => ({ grid, paths: folder(grid.id) }));
  const finished = runs.filter((r) => isRunComplete(r.paths));
  return {
    finished: finished.map(({ grid, paths }) => ({
      grid,
      summary: readJsonFile<RunSummary>(paths.summary),
      evaluation: readJsonFile<Evaluation>(evaluationFile(paths.evaluation)),
    })),
    missing: runs.filter((r) => !finished.includes(r)).map((r) => r.grid.id),
  };
}

type FinishedRun = ReturnType<typeof loadFinished>['finished'][number];

/** The grid's paired t-tests (`GridRun.against`) between finished runs, by run name. */
function gridComparisons(finished: readonly FinishedRun[]): ComparisonPair[] {
  const label = new Map(finished.map((f) => [f.grid.id, f.grid.label]));
  return finished.flatMap((f) =>
    f.grid.against.flatMap((id) => (label.has(id) ? [{ a: f.grid.label, b: label.get(id)! }] : [])),
  );
}

/**
 * Merges the finished grid runs under `outDir` into report.md (Tables I–III and paired t-tests:
 * each configuration against flat, data-driven against fixed at the same λ) and the CSVs.
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
  await writeReport(reportDir, runs, {
    ...reportOptions(finished[0]!.summary.config.data),
    comparisons: gridComparisons(finished),
  });
  return reportDir;
}
