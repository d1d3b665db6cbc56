#!/usr/bin/env node
/**
 * cihmlc-data: generate the synthetic dataset, print label statistics, prepare a cache.
 * Every failure prints one clear line to stderr and exits non-zero: 1 for a failure (bad or
 * missing input, no images found), 2 for usage errors.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  helpOption,
  integer,
  OptionError,
  type OptionValues,
  oneOf,
  option,
  optionsHelp,
  switchOption,
  text,
  textOption,
} from '@cihmlc/internal';
import { parseCommandLine } from '@cihmlc/internal/node';
import { LABEL_SETS, UNCERTAINTY_POLICIES } from '@cihmlc/taxonomy';
import { version } from '../package.json';
import { prepareCache } from './cache.js';
import { type Dataset, labelStatistics, loadDataset } from './dataset.js';
import { generateSyntheticDataset } from './synthetic/generate.js';

const COMMAND_OPTIONS = [
  textOption('out', 'DIR', 'synth: the dataset folder'),
  option({ name: 'patients', type: integer(1), placeholder: 'N', help: 'synth: patients' }),
  option({ name: 'seed', type: integer(0), placeholder: 'S', default: 2408, help: 'synth: seed' }),
  option({
    name: 'size',
    type: integer(0),
    placeholder: 'PX',
    help: 'image size (synth 128, prepare 320)',
  }),
  switchOption('csvOnly', 'synth: labels only, no images'),
  textOption('cache', 'DIR', 'prepare: the cache folder'),
  option({ name: 'workers', type: integer(0), placeholder: 'N', help: 'prepare: decode workers' }),
  switchOption('json', 'stats: print JSON'),
  helpOption,
  switchOption('version', 'print the version'),
];

const DATASET_OPTIONS = [
  option({
    name: 'root',
    type: text,
    multiple: true,
    placeholder: 'DIR',
    help: 'image root (repeatable; CSV paths are resolved against each)',
  }),
  option({
    name: 'csv',
    type: text,
    multiple: true,
    placeholder: '[NAME=]FILE',
    help: 'a split (repeatable), named after its CSV file (train.csv → train) unless given as NAME=FILE',
  }),
  switchOption('frontal', 'frontal views only'),
  option({
    name: 'projection',
    type: text,
    multiple: true,
    placeholder: 'AP|PA',
    help: 'keep this AP/PA value (repeatable)',
  }),
  option({
    name: 'sex',
    type: text,
    multiple: true,
    placeholder: 'Male|Female',
    help: 'keep this sex (repeatable)',
  }),
  option({
    name: 'policy',
    type: oneOf(UNCERTAINTY_POLICIES),
    default: 'zeros',
    help: 'uncertainty policy',
  }),
  option({ name: 'blank', type: oneOf(['zero', 'ignore']), default: 'zero', help: 'blank cells' }),
  option({
    name: 'labelSet',
    type: oneOf(LABEL_SETS),
    default: 'hierarchical21',
    help: 'output labels',
  }),
  switchOption('skipBadRows', 'skip and count malformed rows instead of stopping'),
  option({
    name: 'missing',
    type: oneOf(['skip', 'fatal', 'unchecked']),
    default: 'skip',
    help: 'missing image files (skipped ones are reported)',
  }),
];

const OPTIONS = [...COMMAND_OPTIONS, ...DATASET_OPTIONS];

const USAGE = `usage:
  cihmlc-data synth --out DIR --patients N [--seed S] [--size PX] [--csv-only]
  cihmlc-data stats --root DIR --csv [NAME=]FILE [--csv ...] [--json] [DATASET OPTIONS]
  cihmlc-data prepare --root DIR --csv [NAME=]FILE [--csv ...] --cache DIR [--size PX] [--workers N] [DATASET OPTIONS]
  cihmlc-data --version | --help

options:
${optionsHelp(COMMAND_OPTIONS, { width: 100 })}

dataset options:
${optionsHelp(DATASET_OPTIONS, { width: 100 })}
A --root that is not a directory, or a split with no images found, is an error.

exit codes: 0 ok, 1 failure (bad or missing input, no images found), 2 usage error`;

class UsageError extends Error {}

type Values = OptionValues<(typeof OPTIONS)[number]>;

async function loadSplits(values: Values): Promise<Record<string, Dataset>> {
  const roots = values.root ?? [];
  if (roots.length === 0) throw new UsageError('--root is required');
  if (!values.csv || values.csv.length === 0) throw new UsageError('--csv is required');
  for (const root of roots) {
    if (!isDirectory(root))
      throw new Error(
        `--root ${root}: no such directory (images of ${values.csv.join(', ')} are looked up under it)`,
      );
  }
  const splits: Record<string, Dataset> = {};
  for (const spec of values.csv) {
    const eq = spec.indexOf('=');
    const file = eq > 0 ? spec.slice(eq + 1) : spec;
    const name = (eq > 0 ? spec.slice(0, eq) : basename(file).replace(/\.csv$/i, '')).replace(
      /[^A-Za-z0-9_]/g,
      '_',
    );
    const filters: Dataset['filters'] = {};
    if (values.frontal) filters.frontalOnly = true;
    if (values.projection) filters.projections = values.projection;
    if (values.sex) filters.sex = values.sex;
    const ds = await loadDataset({
      csv: file,
      roots,
      name,
      filters,
      policy: values.policy,
      blank: values.blank,
      labelSet: values.labelSet,
      missingImages: values.missing,
      csvOptions: { onBadRow: values.skipBadRows ? 'skip' : 'abort' },
    });
    const r = ds.report;
    if (r.badRows > 0 || r.missingImages > 0) {
      process.stderr.write(
        `${file}: ${r.badRows} bad row(s) skipped, ${r.missingImages} missing image(s) skipped` +
          (r.missingExamples.length
            ? `; first missing: ${r.missingExamples.slice(0, 3).join(', ')}`
            : '') +
          '\n',
      );
    }
    if (ds.paths.length === 0) {
      throw new Error(
        `${file}: no images found under --root ${roots.join(', ')} (${r.rowsRead} row(s) read, ` +
          `${r.filteredOut} filtered out, ${r.missingImages} missing image(s), ${r.badRows} bad row(s)` +
          (r.missingExamples.length ? `; first missing: ${r.missingExamples[0]}` : '') +
          ')',
      );
    }
    splits[name] = ds;
  }
  return splits;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function statsTable(splits: Record<string, Dataset>): string {
  const names = Object.keys(splits);
  const first = Object.values(splits)[0]!;
  const stats = names.map((n) => labelStatistics(splits[n]!));
  const header = ['label', ...names.flatMap((n) => [`${n} pos`, `${n} %`])];
  const rows: string[][] = [
    ['images', ...names.flatMap((n) => [String(splits[n]!.paths.length), ''])],
  ];
  first.outputLabels.forEach((label, c) => {
    rows.push([
      label,
      ...stats.flatMap((s) => {
        const x = s[c]!;
        return [
          String(x.positives) + (x.masked ? ` (${x.masked} masked)` : ''),
          (100 * x.prevalence).toFixed(1),
        ];
      }),
    ]);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS, { allowPositionals: true });
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return;
  }
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    if (command === undefined && !values.help) process.exitCode = 2;
    return;
  }
  if (positionals.length > 1)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  if (command === 'synth') {
    if (!values.out) throw new UsageError('--out is required');
    if (values.patients === undefined) throw new UsageError('--patients is required');
    const t0 = performance.now();
    const summary = await generateSyntheticDataset({
      outDir: values.out,
      patients: values.patients,
      seed: values.seed,
      imageSize: values.size ?? 128,
      images: !values.csvOnly,
    });
    const s = summary.images;
    process.stdout.write(
      `wrote ${summary.outDir}: ${s.train} train, ${s.valid} valid, ${s.test} test images ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
  } else if (command === 'stats') {
    const splits = await loadSplits(values);
    if (values.json) {
      const out = Object.fromEntries(
        Object.entries(splits).map(([n, ds]) => [
          n,
          { images: ds.paths.length, report: ds.report, labels: labelStatistics(ds) },
        ]),
      );
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      process.stdout.write(`${statsTable(splits)}\n`);
    }
  } else if (command === 'prepare') {
    if (!values.cache) throw new UsageError('--cache is required');
    const splits = await loadSplits(values);
    const t0 = performance.now();
    const result = await prepareCache({
      cacheDir: values.cache,
      splits,
      size: values.size ?? 320,
      ...(values.workers === undefined ? {} : { workers: values.workers }),
    });
    const counts = Object.entries(result.index.splits)
      .map(([n, s]) => `${n} ${s.count}`)
      .join(', ');
    process.stdout.write(
      `${result.status} ${values.cache} (${counts}; ${result.shardsWritten} shard(s) written, ${result.shardsKept} kept` +
        `${result.discarded ? `; discarded old cache: ${result.discarded}` : ''}; ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
  } else {
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usage = err instanceof UsageError || err instanceof OptionError;
  process.stderr.write(`cihmlc-data: error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (usage) process.stderr.write(`${USAGE}\n`);
  process.exitCode = usage ? 2 : 1;
});
