import fs from 'node:fs';
import path from 'node:path';
import {
  BACKEND_NAMES,
  type BackendRequest,
  estimateTrainingFlops,
  selectBackend,
  type TrainingWorkload,
} from '@cihmlc/runtime';
import { chexpertTaxonomy, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import type { EpochRecord } from '@cihmlc/training';
import { parseArgs, takeFlags } from './args.js';
import { readJson } from './atomic.js';
import { PROFILES, type RunConfig, resolveConfig } from './config.js';
import { configHelp, parseValue } from './config-fields.js';
import type { Log } from './data.js';
import { exportRun } from './export.js';
import { PAPER_GRID, parseShard, shardRuns } from './grid.js';
import { exportKerasCommand, importKerasCommand } from './keras-commands.js';
import { writeGridReport } from './report.js';
import { type RunSummary, runOne } from './run.js';
import { buildModel } from './train.js';
import { evaluateCommand, explainCommand, predictCommand } from './use-model.js';

const HELP = `cihmlc-train — CIHMLC training, experiment grid, evaluation, explanation and prediction

Usage: pnpm --filter trainer start [command] [options]

Commands
  (none)      the embedded default: synthetic CheXpert-format data, a small DenseNet with the
              hierarchical data-driven loss (λ = 0.5), evaluation, Grad-CAM and MC dropout
  train       one run from --config FILE and/or flags
  grid        the 10 runs behind Tables I–II, each in OUT/<run-id>; --shard i/n runs a subset
  report      merge the finished grid runs in --out into Tables I–III with paired t-tests
  evaluate    a run's checkpoint on a split: --run DIR [--checkpoint best-loss|best-auroc|DIR] [--split test|valid]
  explain     Grad-CAM grid and MC-dropout mean±std: --run DIR IMAGE...
  predict     images → JSON probabilities with uncertainty: --run DIR IMAGE... [--consistent]
  import-keras  a run folder from a Keras DenseNet classifier: FILE.keras --out RUN (a .weights.h5
              or Keras 2 .h5 also needs --variant, --image-size, --label-set)
  export      a run's model for browsers (apps/viewer): --run DIR --out DIR [--checkpoint …];
              with --keras, its weights as Keras 3 weights: --run DIR --out FILE.weights.h5

Common options
  --out DIR            run directory (train, default job) or grid directory (grid, report)
  --data DIR           an extracted CheXpert-v1.0(-small) folder instead of the synthetic data
  --test-csv FILE      test labels (CheXlocalize) for --data; default: valid.csv
  --train-csv FILE     training labels for --data, e.g. the VisualCheXbert labels the paper
                       trains on; default: train.csv
  --profile NAME       synthetic (default) | paper (DenseNet-121, 320 px, batch 16, Adam 1e-4)
  --config FILE        JSON with any config fields (flags override it)
  --backend NAME       auto (default) | tensorflow | webgpu | wasm | cpu
  --cache-dir DIR      where the synthetic dataset and image caches live (default .cache/cihmlc)
  --patients N         synthetic dataset size (default 1200)
  --steal-lock         take over a run locked by a worker that died on another machine

Config flags (also config-file fields; see README)
${configHelp({ synthetic: PROFILES.synthetic!, paper: PROFILES.paper! })}
`;

function defaultBaseDir(): string {
  // pnpm runs scripts in the package folder; INIT_CWD is where the user typed the command.
  return process.env.INIT_CWD ?? process.cwd();
}

/**
 * The run's training FLOPs per step, for `auto` to weigh native TensorFlow against wasm (TF.js's
 * per-op cost through TensorFlow's C API outweighs its faster kernels on small models).
 */
function workloadOf(config: RunConfig): TrainingWorkload {
  const outputs = taxonomyForLabelSet(chexpertTaxonomy, config.labelSet).outputLabels.length;
  const model = buildModel(config, outputs);
  try {
    return estimateTrainingFlops(model, config.batchSize);
  } finally {
    model.dispose();
  }
}

async function chooseBackend(
  request: BackendRequest,
  log: Log,
  config?: RunConfig,
): Promise<string> {
  const selection = await selectBackend({
    backend: request,
    ...(request === 'auto' && config ? { workload: workloadOf(config) } : {}),
  });
  const where = selection.adapterName ?? selection.devices?.join(', ');
  log(`backend: ${selection.backend}${where ? ` (${where})` : ''} — ${selection.reason}`);
  if (selection.kernels.length)
    log(`  training kernels registered: ${selection.kernels.join(', ')}`);
  for (const s of selection.skipped) log(`  skipped ${s.backend}: ${s.reason}`);
  return selection.backend;
}

function configFrom(flags: Record<string, string | boolean>, cacheRoot: string): RunConfig {
  const own = takeFlags(flags, ['profile', 'config', 'data', 'test-csv', 'train-csv', 'patients']);
  const file = own.config ? readJson<Record<string, unknown>>(String(own.config)) : undefined;
  const config = resolveConfig({
    ...(own.profile ? { profile: String(own.profile) } : {}),
    ...(file ? { file } : {}),
    flags,
    ...(own.data ? { data: String(own.data) } : {}),
    syntheticDir: path.join(cacheRoot, `synthetic-${own.patients ?? 1200}`),
    ...(own.patients ? { syntheticPatients: Number(own.patients) } : {}),
  });
  if (own['test-csv'] && config.data.kind === 'chexpert')
    config.data.testCsv = String(own['test-csv']);
  if (own['train-csv'] && config.data.kind === 'chexpert')
    config.data.trainCsv = String(own['train-csv']);
  return config;
}

function printSummary(summary: RunSummary, log: Log): void {
  const t = summary.test;
  log('');
  log(`run directory: ${summary.runDir}`);
  log(
    `  epochs ${summary.epochs} (${summary.stopReason}); best val loss ${summary.bestValLoss.value.toFixed(4)} at epoch ${summary.bestValLoss.epoch}`,
  );
  log(
    `  test weighted AUROC ${t.weightedAuroc?.toFixed(4) ?? 'n/a'} · macro ${t.macroAuroc?.toFixed(4) ?? 'n/a'} · images with a hierarchy violation ${t.imageViolationRate === null ? 'n/a' : `${(t.imageViolationRate * 100).toFixed(1)}%`}`,
  );
  log(`  tables and ROC plots: ${summary.outputs.evaluation}`);
  log(`  Grad-CAM grid and MC dropout: ${summary.outputs.explain}`);
  log(`  per-epoch log: ${summary.outputs.log}`);
}

export interface CliIo {
  /** Progress and results (default: stdout; stderr for `predict`, whose JSON goes to stdout). */
  log?: Log;
  /** Base folder for relative paths (default: INIT_CWD, where the user typed the command). */
  cwd?: string;
  /** Stops training after the current batch (the CLI wires Ctrl-C to it). */
  signal?: AbortSignal;
  /** Called after each training epoch's checkpoints are written (tests, embedding tools). */
  onEpochEnd?: (record: EpochRecord) => void;
}

/** Runs one command line; throws on errors (the bin turns them into a message and exit 1). */
export async function runCli(argv: string[], io: CliIo = {}): Promise<void> {
  const { command, positional, flags } = parseArgs(argv);
  const log: Log =
    io.log ??
    (command === 'predict'
      ? (l) => process.stderr.write(`${l}\n`)
      : (l) => process.stdout.write(`${l}\n`));
  const baseDir = () => io.cwd ?? defaultBaseDir();
  if (flags.help || command === 'help') {
    log(HELP);
    return;
  }
  const common = takeFlags(flags, [
    'out',
    'cache-dir',
    'steal-lock',
    'shard',
    'run',
    'checkpoint',
    'split',
    'consistent',
    'json',
  ]);
  const cacheRoot = path.resolve(baseDir(), String(common['cache-dir'] ?? '.cache/cihmlc'));
  const stealLock = Boolean(common['steal-lock']);

  switch (command ?? 'start') {
    case 'start':
    case 'train': {
      const config = configFrom(flags, cacheRoot);
      const out = common.out
        ? path.resolve(baseDir(), String(common.out))
        : command === 'train'
          ? freshRunDir(path.resolve(baseDir(), 'runs'), config.profile)
          : path.resolve(baseDir(), 'runs/default');
      if (command === undefined && fs.existsSync(path.join(out, 'summary.json'))) {
        log(`the default run in ${out} is complete (use --out DIR for a new one)`);
      }
      const backend = await chooseBackend(config.backend, log, config);
      const summary = await runOne(config, out, {
        cacheRoot,
        backend,
        log,
        stealLock,
        ...(io.signal ? { signal: io.signal } : {}),
        ...(io.onEpochEnd ? { onEpochEnd: io.onEpochEnd } : {}),
      });
      printSummary(summary, log);
      return;
    }
    case 'grid': {
      const base = configFrom(flags, cacheRoot);
      const out = path.resolve(baseDir(), String(common.out ?? 'runs/grid'));
      const shard = parseShard(String(common.shard ?? '0/1'));
      const runs = shardRuns(PAPER_GRID, shard);
      log(`grid shard ${shard.index}/${shard.count}: ${runs.map((r) => r.id).join(', ')}`);
      const backend = await chooseBackend(base.backend, log, base);
      for (const run of runs) {
        log(`\n=== ${run.id}: ${run.label}`);
        await runOne({ ...base, ...run.patch }, path.join(out, run.id), {
          cacheRoot,
          backend,
          log,
          stealLock,
          ...(io.signal ? { signal: io.signal } : {}),
        });
      }
      const reportDir = await writeGridReport(out, log);
      log(`\nreport (finished runs so far): ${reportDir}`);
      return;
    }
    case 'report': {
      const out = path.resolve(baseDir(), String(common.out ?? 'runs/grid'));
      log(`report: ${await writeGridReport(out, log)}`);
      return;
    }
    case 'export': {
      if (takeFlags(flags, ['keras']).keras) {
        if (!common.run || !common.out)
          throw new Error('export --keras needs --run DIR and --out FILE.weights.h5');
        await exportKerasCommand({
          runDir: path.resolve(baseDir(), String(common.run)),
          out: path.resolve(baseDir(), String(common.out)),
          checkpoint: String(common.checkpoint ?? 'best-loss'),
          log,
        });
        return;
      }
      if (!common.run || !common.out) throw new Error('export needs --run DIR and --out DIR');
      const resolve = (p: unknown) => path.resolve(baseDir(), String(p));
      await exportRun({
        runDir: resolve(common.run),
        out: resolve(common.out),
        log,
        ...(common.checkpoint ? { checkpoint: String(common.checkpoint) } : {}),
      });
      return;
    }
    case 'evaluate':
    case 'explain':
    case 'predict': {
      if (!common.run) throw new Error(`${command} needs --run DIR (a run directory)`);
      const runDir = path.resolve(baseDir(), String(common.run));
      const config = readJson<RunConfig>(path.join(runDir, 'config.json'));
      const backend = await chooseBackend(
        parseValue(
          { type: 'enum', values: ['auto', ...BACKEND_NAMES] },
          flags.backend ?? config.backend,
          '--backend',
        ) as BackendRequest,
        log,
        config,
      );
      const opts = {
        runDir,
        config,
        cacheRoot,
        backend,
        log,
        checkpoint: String(common.checkpoint ?? 'best-loss'),
        ...(common.out ? { out: path.resolve(baseDir(), String(common.out)) } : {}),
      };
      if (command === 'evaluate')
        await evaluateCommand({ ...opts, split: String(common.split ?? 'test') });
      else if (command === 'explain') await explainCommand({ ...opts, images: positional });
      else
        await predictCommand({
          ...opts,
          images: positional,
          consistent: Boolean(common.consistent),
        });
      return;
    }
    case 'import-keras': {
      if (positional.length !== 1)
        throw new Error('import-keras needs one FILE (.keras, .weights.h5 or .h5)');
      if (!common.out) throw new Error('import-keras needs --out RUN (the run folder to create)');
      await importKerasCommand({
        file: path.resolve(baseDir(), positional[0]!),
        out: path.resolve(baseDir(), String(common.out)),
        flags,
        configFrom: (f) => configFrom(f, cacheRoot),
        log,
      });
      return;
    }
    default:
      throw new Error(`unknown command "${command}" (see --help)`);
  }
}

/** `runs/<profile>-<date>-<time>`, with a suffix when two runs start in the same second. */
function freshRunDir(runs: string, profile: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let dir = path.join(runs, `${profile}-${stamp}`);
  for (let n = 2; fs.existsSync(dir); n++) dir = path.join(runs, `${profile}-${stamp}-${n}`);
  return dir;
}
