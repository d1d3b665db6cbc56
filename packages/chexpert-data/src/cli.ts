#!/usr/bin/env node
/**
 * cihmlc-data: generate the synthetic dataset, print label statistics, prepare a cache.
 * Every failure prints one clear line to stderr and exits non-zero: 1 for a failure (bad or
 * missing input, no images found), 2 for usage errors.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  LABEL_SETS,
  type LabelSet,
  UNCERTAINTY_POLICIES,
  type UncertaintyPolicy,
} from '@cihmlc/taxonomy';
import { version } from '../package.json';
import { prepareCache } from './cache.js';
import { type Dataset, labelStatistics, loadDataset } from './dataset.js';
import { generateSyntheticDataset } from './synthetic/generate.js';

const USAGE = `usage:
  cihmlc-data synth --out DIR --patients N [--seed S] [--size PX] [--csv-only]
  cihmlc-data stats --root DIR --csv [NAME=]FILE [--csv ...] [--json] [DATASET OPTIONS]
  cihmlc-data prepare --root DIR --csv [NAME=]FILE [--csv ...] --cache DIR [--size PX] [--workers N] [DATASET OPTIONS]

dataset options:
  --root DIR            image root (repeatable; CSV paths are resolved against each)
  --frontal             frontal views only
  --projection AP|PA    keep this AP/PA value (repeatable)
  --sex Male|Female     keep this sex (repeatable)
  --policy zeros|ones|ignore   uncertainty policy (default zeros)
  --blank zero|ignore   blank cells (default zero)
  --label-set flat14|flat15|hierarchical21 (default hierarchical21)
  --skip-bad-rows       skip and count malformed rows instead of stopping
  --missing skip|fatal  missing image files (default skip, reported)
A split is named after its CSV file (train.csv → train) unless given as NAME=FILE.
A --root that is not a directory, or a split with no images found, is an error.

  cihmlc-data --version | --help

exit codes: 0 ok, 1 failure (bad or missing input, no images found), 2 usage error`;

class UsageError extends Error {}

const OPTIONS = {
  out: { type: 'string' },
  patients: { type: 'string' },
  seed: { type: 'string' },
  size: { type: 'string' },
  'csv-only': { type: 'boolean' },
  root: { type: 'string', multiple: true },
  csv: { type: 'string', multiple: true },
  cache: { type: 'string' },
  workers: { type: 'string' },
  json: { type: 'boolean' },
  frontal: { type: 'boolean' },
  projection: { type: 'string', multiple: true },
  sex: { type: 'string', multiple: true },
  policy: { type: 'string' },
  blank: { type: 'string' },
  'label-set': { type: 'string' },
  'skip-bad-rows': { type: 'boolean' },
  missing: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

function intOption(
  values: Values,
  name: 'patients' | 'seed' | 'size' | 'workers',
  fallback?: number,
): number {
  const text = values[name];
  if (text === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name}: expected a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T))
    throw new UsageError(
      `--${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  return value as T;
}

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
  const policy = oneOf<UncertaintyPolicy>('policy', values.policy, UNCERTAINTY_POLICIES, 'zeros');
  const blank = oneOf('blank', values.blank, ['zero', 'ignore'] as const, 'zero');
  const labelSet = oneOf<LabelSet>('label-set', values['label-set'], LABEL_SETS, 'hierarchical21');
  const missing = oneOf('missing', values.missing, ['skip', 'fatal', 'unchecked'] as const, 'skip');
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
      policy,
      blank,
      labelSet,
      missingImages: missing,
      csvOptions: { onBadRow: values['skip-bad-rows'] ? 'skip' : 'abort' },
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
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
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
    const patients = intOption(values, 'patients');
    if (patients < 1) throw new UsageError('--patients must be at least 1');
    const t0 = performance.now();
    const summary = await generateSyntheticDataset({
      outDir: values.out,
      patients,
      seed: intOption(values, 'seed', 2408),
      imageSize: intOption(values, 'size', 128),
      images: !values['csv-only'],
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
    const workers = values.workers === undefined ? undefined : intOption(values, 'workers');
    const result = await prepareCache({
      cacheDir: values.cache,
      splits,
      size: intOption(values, 'size', 320),
      ...(workers === undefined ? {} : { workers }),
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
  const usage = err instanceof UsageError;
  process.stderr.write(`cihmlc-data: error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (usage) process.stderr.write(`${USAGE}\n`);
  process.exitCode = usage ? 2 : 1;
});
