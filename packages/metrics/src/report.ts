import { type ConfigurationComparison, compareConfigurations } from './compare.js';
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

/** Two runs of a report compared by a paired t-test, by run `name`: `a` against `b` (a − b). */
export interface ComparisonPair {
  a: string;
  b: string;
}

/** One row of the report's t-test section: run `a` against run `b` over one set of labels. */
export interface ComparisonRow {
  a: string;
  b: string;
  /** `Table I (5)` or `all shared`. */
  labelSet: string;
  /** The test, or why it could not be computed (e.g. fewer than 2 labels). */
  result: ConfigurationComparison | { error: string };
}

/** The label sets each pair is tested on: Table I's five, then every label both runs have. */
const LABEL_SETS: readonly [string, readonly string[] | undefined][] = [
  ['Table I (5)', TABLE_I_LABELS],
  ['all shared', undefined],
];

function resolvePairs(
  runs: readonly RunResult[],
  pairs: readonly ComparisonPair[] | undefined,
): [RunResult, RunResult][] {
  if (pairs === undefined) return runs.slice(1).map((r) => [r, runs[0]!]);
  if (!Array.isArray(pairs)) throw new TypeError('comparisons: expected an array of { a, b }');
  const names = runs.map((r) => r.name);
  const find = (name: unknown, field: string): RunResult => {
    if (typeof name !== 'string') throw new TypeError(`${field}: expected a run name (string)`);
    const i = names.indexOf(name);
    if (i < 0) {
      throw new RangeError(
        `${field}: no run named "${name}" (runs: ${names.map((n) => `"${n}"`).join(', ')})`,
      );
    }
    if (names.indexOf(name, i + 1) >= 0) {
      throw new RangeError(`${field}: several runs are named "${name}"`);
    }
    return runs[i]!;
  };
  return pairs.map((pair, i) => {
    const a = find(pair?.a, `comparisons[${i}].a`);
    const b = find(pair?.b, `comparisons[${i}].b`);
    if (a === b) throw new RangeError(`comparisons[${i}]: compares "${a.name}" with itself`);
    return [a, b];
  });
}

/**
 * The paired t-tests over per-label AUROCs (method-notes §5) of the given pairs of runs (default:
 * every run against the first), each over Table I's labels and over all labels both runs have.
 * A name that is not exactly one run's throws a RangeError naming it.
 */
export function comparisonRows(
  runs: readonly RunResult[],
  pairs?: readonly ComparisonPair[],
): ComparisonRow[] {
  return resolvePairs(runs, pairs).flatMap(([a, b]) =>
    LABEL_SETS.map(([labelSet, labels]) => {
      let result: ComparisonRow['result'];
      try {
        result = compareConfigurations(a.evaluation, b.evaluation, labels);
      } catch (e) {
        result = { error: (e as Error).message };
      }
      return { a: a.name, b: b.name, labelSet, result };
    }),
  );
}

/**
 * The report's section of paired t-tests over per-label AUROCs: `pairs` by run name (`a` against
 * `b`, mean difference a − b), default every run against the first; each over Table I's labels
 * and over all labels both runs have. Empty string when there is nothing to compare.
 */
export function comparisonsMarkdown(
  runs: readonly RunResult[],
  pairs?: readonly ComparisonPair[],
): string {
  const rows = comparisonRows(runs, pairs);
  if (rows.length === 0) return '';
  // Every run against the first: the second column would repeat the first run's name.
  const against = pairs !== undefined;
  const lines = [
    `**Paired t-tests over per-label AUROCs** (${against ? 'mean difference = Run − Against' : `each run against ${runs[0]!.name}`})`,
    '',
    `| Run | ${against ? 'Against | ' : ''}Labels | Mean difference | t | df | p |`,
    `| --- | ${against ? '--- | ' : ''}--- | ---: | ---: | ---: | ---: |`,
  ];
  for (const { a, b, labelSet, result: c } of rows) {
    const names = against ? `${a} | ${b}` : a;
    lines.push(
      'error' in c
        ? `| ${names} | ${labelSet} | — | — | — | ${c.error} |`
        : `| ${names} | ${labelSet}: ${c.n} | ${c.meanDifference.toFixed(4)} | ${c.t.toFixed(3)} | ${c.df} | ${c.p.toPrecision(3)} |`,
    );
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
  /**
   * The paired t-tests of the report, as pairs of run names: `{ a, b }` tests run `a` against run
   * `b` (mean difference a − b) over Table I's labels and over all labels both have. Default:
   * every run against the first; `[]` leaves the section out. A name that is not exactly one
   * run's is a RangeError naming it.
   */
  comparisons?: readonly ComparisonPair[];
}

/**
 * The whole report in Markdown: headlines, Tables I–III, paired t-tests (`options.comparisons`),
 * per-label tables and violations.
 */
export function reportMarkdown(runs: readonly RunResult[], options: ReportOptions = {}): string {
  const { note, comparableWithPublished = true, comparisons: pairs, ...format } = options;
  const comparisons = comparisonsMarkdown(runs, pairs);
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
  if (comparisons) parts.push(comparisons);
  for (const r of runs) {
    parts.push(perLabelMarkdown(r, format));
    const v = violationsMarkdown(r);
    if (v) parts.push(v);
  }
  return parts.join('\n');
}
