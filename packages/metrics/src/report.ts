import { compareConfigurations } from './compare.js';
import {
  aurocOf,
  type FormatOptions,
  headline,
  perLabelMarkdown,
  type RunResult,
  TABLE_I_LABELS,
  TABLE_II_LABELS,
  tableI,
  tableII,
  tableIII,
  tableToMarkdown,
  violationsMarkdown,
} from './tables.js';

/**
 * Paired t-tests of every run against the first (method-notes §5), over Table I's labels and over
 * all labels both have; empty string for a single run.
 */
export function comparisonsMarkdown(runs: readonly RunResult[]): string {
  if (runs.length < 2) return '';
  const base = runs[0]!;
  const lines = [
    `**Paired t-tests over per-label AUROCs** (each run against ${base.name})`,
    '',
    '| Run | Labels | Mean difference | t | df | p |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const run of runs.slice(1)) {
    const sets: [string, readonly string[] | undefined][] = [
      ['Table I (5)', TABLE_I_LABELS],
      ['all shared', undefined],
    ];
    for (const [what, labels] of sets) {
      try {
        const c = compareConfigurations(run.evaluation, base.evaluation, labels);
        lines.push(
          `| ${run.name} | ${what}: ${c.n} | ${c.meanDifference.toFixed(4)} | ${c.t.toFixed(3)} | ${c.df} | ${c.p.toPrecision(3)} |`,
        );
      } catch (e) {
        lines.push(`| ${run.name} | ${what} | — | — | — | ${(e as Error).message} |`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface ReportOptions extends FormatOptions {
  /** Markdown printed before everything else, e.g. where the data behind the report came from. */
  note?: string;
  /**
   * Whether the runs were evaluated on CheXpert's test set, like the published rows of Table III
   * (default true). With false (e.g. runs on the synthetic dataset) Table III lists the published
   * rows for reference only, unranked and without the runs, which are not comparable with them.
   */
  comparableWithPublished?: boolean;
}

/** The whole report in Markdown: headlines, Tables I–III, per-label tables and violations. */
export function reportMarkdown(runs: readonly RunResult[], options: ReportOptions = {}): string {
  const { note, comparableWithPublished = true, ...format } = options;
  const parts = [
    ...(note ? [note, ''] : []),
    '# Evaluation report',
    '',
    ...runs.map((r) => `- ${headline(r)}`),
    '',
  ];
  parts.push(tableToMarkdown(tableI(runs), format));
  if (runs.some((r) => TABLE_II_LABELS.some((l) => aurocOf(r.evaluation, l) !== null))) {
    parts.push(tableToMarkdown(tableII(runs), format));
  }
  parts.push(
    comparableWithPublished
      ? tableToMarkdown(tableIII(runs), format)
      : tableToMarkdown(
          {
            ...tableIII([]),
            title:
              'Published methods on 5 CheXpert pathologies, for reference (the runs above are not evaluated on CheXpert and are not ranked against them)',
          },
          { ...format, emphasis: false },
        ),
  );
  const comparisons = comparisonsMarkdown(runs);
  if (comparisons) parts.push(comparisons);
  for (const r of runs) {
    parts.push(perLabelMarkdown(r, format));
    const v = violationsMarkdown(r);
    if (v) parts.push(v);
  }
  return parts.join('\n');
}
