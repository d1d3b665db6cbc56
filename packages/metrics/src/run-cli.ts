import { basename } from 'node:path';
import {
  helpOption,
  integer,
  number,
  OptionError,
  option,
  optionsHelp,
  switchOption,
  textOption,
} from '@cihmlc/internal';
import { parseCommandLine } from '@cihmlc/internal/node';
import { version } from '../package.json';
import { bootstrapAuroc } from './bootstrap.js';
import { evaluate, summarize } from './evaluate.js';
import { patientIdsFromPaths } from './patients.js';
import { type Predictions, readLabelsAndScores, readPredictionsFile } from './read-predictions.js';
import { comparisonsMarkdown } from './report.js';
import { rocPlotCurves } from './roc-plot.js';
import { formatInterval } from './tables.js';
import { type ReportRun, writeReport } from './write-report.js';

const OPTIONS = [
  switchOption('json', 'print { perLabel, average, violations } as JSON'),
  textOption(
    'out',
    'DIR',
    'write report.md, table-*.csv, per-label CSV, metrics JSON, ROC PNG and SVG',
  ),
  textOption('labels', 'LABELS.csv', 'labels, read with --scores'),
  textOption('scores', 'SCORES.csv', 'scores, matched by Path'),
  switchOption(
    'fileGt',
    "use the file's ground truth for derived labels instead of re-deriving them from the 14 CheXpert labels",
  ),
  option({
    name: 'threshold',
    type: number(0, 1),
    placeholder: 'T',
    default: 0.5,
    help: 'decision threshold for accuracy, F1 and violations',
  }),
  textOption('name', 'NAME', 'run name in tables (default: file name)'),
  option({
    name: 'bootstrap',
    type: integer(1),
    placeholder: 'N',
    help: 'add percentile bootstrap intervals from N resamples (of patients when the paths name them, e.g. .../patient64741/...), in the text and the report',
  }),
  option({
    name: 'seed',
    type: integer(0),
    placeholder: 'S',
    default: 2408,
    help: 'bootstrap seed',
  }),
  helpOption,
  switchOption('version', 'print the version'),
];

export const USAGE = `Usage:
  cihmlc-metrics PREDICTIONS.csv [MORE.csv ...] [--json] [--out DIR]
  cihmlc-metrics --labels LABELS.csv --scores SCORES.csv [--json] [--out DIR]

PREDICTIONS.csv: Path, then <Label>_GT and <Label>_Pred per label (other columns ignored).
LABELS.csv / SCORES.csv: Path plus one column per label, rows matched by Path.

Options (--json and --name take one input):
${optionsHelp(OPTIONS, { width: 100 })}

Exit codes: 0 ok, 1 bad input (the message names file, line and column), 2 wrong arguments.
`;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

class UsageError extends Error {}

const fmt = (v: number | null, digits = 4) => (v === null ? 'undefined' : v.toFixed(digits));

function textReport(name: string, predictions: Predictions, run: ReportRun): string {
  const e = run.evaluation;
  const width = Math.max(5, ...e.labels.map((l) => l.length));
  const lines = [`${name}: ${e.images} images, ${e.labels.length} labels`];
  for (const [label, rows] of Object.entries(predictions.groundTruth.changedRows)) {
    lines.push(
      `note: ${label} ground truth derived from the source labels; ${rows} rows differ from the file's ${label} truth (--file-gt keeps the file's)`,
    );
  }
  const b = run.bootstrap;
  const ciHead = b ? `  ${`${Math.round(b.level * 100)}% CI`.padEnd(16)}` : '';
  lines.push('', `${'Label'.padEnd(width)}   AUROC${ciHead}  Positives`);
  e.perLabel.forEach((l, i) => {
    const ci = b ? `  ${formatInterval(b.perLabel[i]!, 4).padEnd(16)}` : '';
    const auroc = fmt(l.auroc).padStart(6);
    lines.push(`${l.label.padEnd(width)}  ${auroc}${ci}  ${String(l.positives).padStart(9)}`);
  });
  const avg = (k: 'macro' | 'weighted' | 'micro') =>
    `${k} ${fmt(e.average[k])}${b ? ` ${formatInterval(b.average[k], 4)}` : ''}`;
  lines.push('', `AUROC ${avg('macro')}, ${avg('weighted')}, ${avg('micro')}`);
  if (b) {
    const unit = b.unit === 'group' ? 'patients' : 'images';
    lines.push(
      `intervals: percentile bootstrap, ${b.iterations} resamples of ${b.units} ${unit}, seed ${b.seed}`,
    );
  }
  if (e.undefinedLabels.length) {
    lines.push(
      `undefined AUROC (one class only), left out of the averages: ${e.undefinedLabels.join(', ')}`,
    );
  }
  const t = e.thresholdMetrics;
  lines.push(
    `at threshold ${t.threshold}: accuracy ${fmt(t.accuracy)}, subset accuracy ${fmt(t.subsetAccuracy)}, weighted F1 ${fmt(t.f1Weighted)}`,
  );
  const v = e.violations;
  if (v) {
    lines.push(
      `hierarchy violations: ${v.imagesWithViolation} of ${v.images} images (${(100 * v.imageRate).toFixed(1)}%), ${v.meanViolationsPerImage.toFixed(3)} violated edges per image`,
    );
    for (const edge of v.perEdge.filter((x) => x.count > 0)) {
      lines.push(
        `  ${edge.parent} → ${edge.child}: ${edge.count} (${(100 * edge.rate).toFixed(1)}%)`,
      );
    }
  } else {
    lines.push('hierarchy violations: not computed (labels are not all CheXpert taxonomy labels)');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The `cihmlc-metrics` command: returns the exit code (0 ok, 1 bad input, 2 usage error) and
 * writes to `io` (process stdout / stderr by default).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine(argv, OPTIONS, { allowPositionals: true });
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (values.version) {
      io.stdout(`${version}\n`);
      return 0;
    }
    const pair = values.labels !== undefined || values.scores !== undefined;
    if (pair && (values.labels === undefined || values.scores === undefined)) {
      throw new UsageError('--labels and --scores go together');
    }
    if (pair && positionals.length > 0) {
      throw new UsageError('give either PREDICTIONS.csv or --labels/--scores, not both');
    }
    if (!pair && positionals.length === 0) throw new UsageError('no predictions file given');
    const inputs = pair ? 1 : positionals.length;
    if (values.json && inputs > 1) throw new UsageError('--json takes one input');
    if (values.name !== undefined && inputs > 1) throw new UsageError('--name takes one input');
    const readOptions = {
      groundTruth: values.fileGt ? ('file' as const) : ('derive' as const),
    };
    const loaded: { name: string; predictions: Predictions }[] = [];
    if (pair) {
      const predictions = await readLabelsAndScores(values.labels!, values.scores!, readOptions);
      loaded.push({ name: values.name ?? basename(values.scores!, '.csv'), predictions });
    } else {
      for (const file of positionals) {
        const predictions = await readPredictionsFile(file, readOptions);
        loaded.push({ name: values.name ?? basename(file, '.csv'), predictions });
      }
    }
    const runs: ReportRun[] = loaded.map(({ name, predictions }) => ({
      name,
      evaluation: evaluate(predictions, { threshold: values.threshold }),
      curves: values.out === undefined ? undefined : rocPlotCurves(predictions),
      ...(values.bootstrap === undefined
        ? {}
        : {
            bootstrap: bootstrapAuroc(
              { labels: predictions.labels, truth: predictions.truth, scores: predictions.scores },
              {
                iterations: values.bootstrap,
                seed: values.seed,
                groups: patientIdsFromPaths(predictions.paths),
              },
            ),
          }),
    }));
    if (values.out !== undefined) await writeReport(values.out, runs);
    if (values.json) {
      io.stdout(`${JSON.stringify(summarize(runs[0]!.evaluation), null, 2)}\n`);
    } else {
      loaded.forEach(({ name, predictions }, i) => {
        io.stdout(`${i > 0 ? '\n' : ''}${textReport(name, predictions, runs[i]!)}`);
      });
      if (runs.length > 1) io.stdout(`\n${comparisonsMarkdown(runs)}`);
      if (values.out !== undefined) io.stdout(`\nreport written to ${values.out}\n`);
    }
    return 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof UsageError || e instanceof OptionError) {
      io.stderr(`cihmlc-metrics: ${message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr(`cihmlc-metrics: ${message}\n`);
    return 1;
  }
}
