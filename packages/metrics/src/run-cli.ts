import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { version } from '../package.json';
import { bootstrapAuroc } from './bootstrap.js';
import { evaluate, summarize } from './evaluate.js';
import { patientIdsFromPaths } from './patients.js';
import { type Predictions, readLabelsAndScores, readPredictionsFile } from './read-predictions.js';
import { comparisonsMarkdown } from './report.js';
import { rocPlotCurves } from './roc-plot.js';
import { formatInterval } from './tables.js';
import { type ReportRun, writeReport } from './write-report.js';

export const USAGE = `Usage:
  cihmlc-metrics PREDICTIONS.csv [MORE.csv ...] [--json] [--out DIR]
  cihmlc-metrics --labels LABELS.csv --scores SCORES.csv [--json] [--out DIR]

PREDICTIONS.csv: Path, then <Label>_GT and <Label>_Pred per label (other columns ignored).
LABELS.csv / SCORES.csv: Path plus one column per label, rows matched by Path.

Options:
  --json           print { perLabel, average, violations } as JSON (one input only)
  --out DIR        write report.md, table-*.csv, per-label CSV, metrics JSON, ROC PNG and SVG
  --file-gt        use the file's ground truth for derived labels instead of re-deriving them
                   from the 14 CheXpert labels
  --threshold T    decision threshold for accuracy, F1 and violations (default 0.5)
  --name NAME      run name in tables (default: the file name; one input only)
  --bootstrap N    add percentile bootstrap intervals from N resamples (of patients when the
                   paths name them, e.g. .../patient64741/...), in the text and the report
  --seed S         seed of the bootstrap (default 2408)
  -h, --help       this help
  --version        print the version

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
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        labels: { type: 'string' },
        scores: { type: 'string' },
        'file-gt': { type: 'boolean', default: false },
        threshold: { type: 'string' },
        name: { type: 'string' },
        bootstrap: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    });
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
    let threshold = 0.5;
    if (values.threshold !== undefined) {
      threshold = Number(values.threshold);
      if (!(threshold >= 0 && threshold <= 1) || values.threshold.trim() === '') {
        throw new UsageError(`--threshold must be a number in [0, 1], got "${values.threshold}"`);
      }
    }
    const integerOption = (
      name: string,
      raw: string | undefined,
      min: number,
    ): number | undefined => {
      if (raw === undefined) return undefined;
      const v = Number(raw);
      if (!Number.isInteger(v) || v < min || raw.trim() === '') {
        throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
      }
      return v;
    };
    const iterations = integerOption('bootstrap', values.bootstrap, 1);
    const seed = integerOption('seed', values.seed, 0) ?? 2408;
    const readOptions = {
      groundTruth: values['file-gt'] ? ('file' as const) : ('derive' as const),
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
      evaluation: evaluate(predictions, { threshold }),
      curves: values.out === undefined ? undefined : rocPlotCurves(predictions),
      ...(iterations === undefined
        ? {}
        : {
            bootstrap: bootstrapAuroc(
              { labels: predictions.labels, truth: predictions.truth, scores: predictions.scores },
              {
                iterations,
                seed,
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
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`cihmlc-metrics: ${message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr(`cihmlc-metrics: ${message}\n`);
    return 1;
  }
}
