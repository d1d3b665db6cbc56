import { join } from 'node:path';
import { writeFileAtomic } from '@cihmlc/internal/node';
import { summarize } from './evaluate.js';
import { type ReportOptions, reportMarkdown } from './report.js';
import type { RocPlotCurve } from './roc-plot.js';
import { renderRocPng } from './roc-png.js';
import { rocCurvesToSvg } from './roc-svg.js';
import { perLabelCsv, type RunResult, tableI, tableII, tableIII, tableToCsv } from './tables.js';

/** A run with the curves of its ROC figure. */
export interface ReportRun extends RunResult {
  curves?: readonly RocPlotCurve[];
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'run'
  );
}

/**
 * Writes the report of one or more runs to `dir`, every file atomically:
 * `report.md` (headlines, Tables I–III, per-label and violation tables), `table-1.csv`,
 * `table-2.csv`, `table-3.csv`, `per-label[-<run>].csv`, `metrics[-<run>].json` (the `--json`
 * summary) and, for runs with curves, `roc[-<run>].svg` and `roc[-<run>].png`. With a single run
 * the `-<run>` suffix is left out. `options.note` opens report.md; with
 * `comparableWithPublished: false` Table III (Markdown and CSV) holds only the published rows.
 * Returns the paths written.
 */
export async function writeReport(
  dir: string,
  runs: readonly ReportRun[],
  options: ReportOptions = {},
): Promise<string[]> {
  if (runs.length === 0) throw new RangeError('writeReport: no runs');
  const written: string[] = [];
  const put = async (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    await writeFileAtomic(path, content);
    written.push(path);
  };
  await put('report.md', reportMarkdown(runs, options));
  await put('table-1.csv', tableToCsv(tableI(runs)));
  await put('table-2.csv', tableToCsv(tableII(runs)));
  await put(
    'table-3.csv',
    tableToCsv(tableIII(options.comparableWithPublished === false ? [] : runs)),
  );
  const seen = new Set<string>();
  for (const run of runs) {
    let suffix = runs.length === 1 ? '' : `-${slug(run.name)}`;
    while (seen.has(suffix)) suffix += '-';
    seen.add(suffix);
    await put(`per-label${suffix}.csv`, perLabelCsv(run));
    await put(`metrics${suffix}.json`, `${JSON.stringify(summarize(run.evaluation), null, 2)}\n`);
    if (run.curves && run.curves.length > 0) {
      const title = `ROC curves: ${run.name}`;
      await put(`roc${suffix}.svg`, rocCurvesToSvg(run.curves, { title }));
      await put(`roc${suffix}.png`, await renderRocPng(run.curves, { title }));
    }
  }
  return written;
}
