import fs from 'node:fs';
import path from 'node:path';
import { chexpertFolderSource } from '@cihmlc/chexpert-data';
import { optionsHelp } from '@cihmlc/internal';
import { readJsonFile } from '@cihmlc/internal/node';
import {
  type BackendRequest,
  estimateTrainingFlops,
  selectBackend,
  type TrainingWorkload,
} from '@cihmlc/runtime';
import { parseShard, shardItems } from '@cihmlc/training/node';
import { COMMAND_OPTIONS, parseArgs } from './args.js';
import { PROFILES, type RunConfig, readRunConfig, resolveConfig } from './config.js';
import { type ConfigValues, configHelp } from './config-fields.js';
import type { Log } from './data.js';
import { exportRun } from './export.js';
import { PAPER_GRID } from './grid.js';
import { exportKerasCommand, importKerasCommand } from './keras-commands.js';
import { writeGridReport } from './report.js';
import { type RunSummary, runOne } from './run.js';
import { buildModel, type TrainHooks } from './train.js';
import { evaluateCommand, explainCommand, loadRunModel, predictCommand } from './use-model.js';

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

Options
${optionsHelp(COMMAND_OPTIONS, { width: 100 })}

Config flags (also config-file fields; see README)
${configHelp(PROFILES.synthetic!, PROFILES.paper!)}
`;

/**
 * The run's training FLOPs per step, for `auto` to weigh native TensorFlow against wasm (TF.js's
 * per-op cost through TensorFlow's C API outweighs its faster kernels on small models).
 */
function workloadOf(config: RunConfig): TrainingWorkload {
  const model = buildModel(config);
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

export interface CliIo extends TrainHooks {
  /** Progress and results (default: stdout; stderr for `predict`, whose JSON goes to stdout). */
  log?: Log;
  /** Base folder for relative paths (default: INIT_CWD, where the user typed the command). */
  cwd?: string;
}

/** Runs one command line; throws on errors (the bin turns them into a message and exit 1). */
export async function runCli(argv: string[], io: CliIo = {}): Promise<void> {
  const { command, positional, options, config: given } = parseArgs(argv);
  // predict prints its JSON on stdout, so its progress goes to stderr.
  const stream = command === 'predict' ? process.stderr : process.stdout;
  const log: Log = io.log ?? ((line) => stream.write(`${line}\n`));
  // pnpm runs scripts in the package folder; INIT_CWD is where the user typed the command.
  const resolve = (p: string) => path.resolve(io.cwd ?? process.env.INIT_CWD ?? process.cwd(), p);
  if (options.help || command === 'help') {
    log(HELP);
    return;
  }
  const cacheRoot = resolve(options.cacheDir);
  const resolveSome = (p: string | undefined) => (p === undefined ? undefined : resolve(p));
  // The profile, --config file, config flags, --data (and its CSVs) or the synthetic data.
  const csv = { trainCsv: resolveSome(options.trainCsv), testCsv: resolveSome(options.testCsv) };
  const data = options.data ? chexpertFolderSource(resolve(options.data), csv) : undefined;
  const { patients } = options;
  const syntheticDir = path.join(cacheRoot, `synthetic-${patients}`);
  const synthetic = { kind: 'synthetic', dir: syntheticDir, patients, seed: 7 } as const;
  const configFrom = (values: Partial<ConfigValues>, profile = options.profile) =>
    resolveConfig({
      profile,
      ...(options.config ? { file: readJsonFile(resolve(options.config)) } : {}),
      values,
      data,
      defaultData: synthetic,
    });

  // Training runs get the hooks (Ctrl-C's signal, onEpochEnd) with the log and the cache folder.
  const training = { ...io, cacheRoot, log, stealLock: options.stealLock };
  const out = resolveSome(options.out);

  switch (command ?? 'start') {
    case 'start':
    case 'train': {
      const config = configFrom(given);
      const dir =
        out ??
        (command === 'train'
          ? freshRunDir(resolve('runs'), config.profile)
          : resolve('runs/default'));
      if (command === undefined && fs.existsSync(path.join(dir, 'summary.json'))) {
        log(`the default run in ${dir} is complete (use --out DIR for a new one)`);
      }
      const backend = await chooseBackend(config.backend, log, config);
      const summary = await runOne(config, dir, { ...training, backend });
      printSummary(summary, log);
      return;
    }
    case 'grid': {
      const base = configFrom(given);
      const dir = out ?? resolve('runs/grid');
      const shard = parseShard(options.shard);
      const runs = shardItems(PAPER_GRID, shard);
      log(`grid shard ${shard.index}/${shard.count}: ${runs.map((r) => r.id).join(', ')}`);
      const backend = await chooseBackend(base.backend, log, base);
      for (const r of runs) {
        log(`\n=== ${r.id}: ${r.label}`);
        await runOne({ ...base, ...r.patch }, path.join(dir, r.id), { ...training, backend });
      }
      log(`\nreport (finished runs so far): ${await writeGridReport(dir, log)}`);
      return;
    }
    case 'report':
      log(`report: ${await writeGridReport(out ?? resolve('runs/grid'), log)}`);
      return;
    case 'evaluate':
    case 'explain':
    case 'predict':
    case 'export': {
      if (command === 'export' && !(options.run && out)) {
        throw new Error(
          `export needs --run DIR and --out ${options.keras ? 'FILE.weights.h5' : 'DIR'}`,
        );
      }
      if (!options.run) throw new Error(`${command} needs --run DIR (a run directory)`);
      const runDir = resolve(options.run);
      const config = readRunConfig(runDir);
      // Export only copies weights: the default backend does.
      if (command !== 'export') await chooseBackend(given.backend ?? config.backend, log, config);
      const run = await loadRunModel({ runDir, config, checkpoint: options.checkpoint, log, out });
      try {
        if (command === 'evaluate') await evaluateCommand(run, cacheRoot, options.split);
        else if (command === 'explain') await explainCommand(run, positional);
        else if (command === 'predict') await predictCommand(run, positional, options.consistent);
        else if (options.keras) await exportKerasCommand({ ...run, out: out! });
        else await exportRun({ ...run, out: out! });
      } finally {
        run.model.dispose();
      }
      return;
    }
    case 'import-keras': {
      if (positional.length !== 1)
        throw new Error('import-keras needs one FILE (.keras, .weights.h5 or .h5)');
      if (!out) throw new Error('import-keras needs --out RUN (the run folder to create)');
      await importKerasCommand({
        file: resolve(positional[0]!),
        out,
        values: given,
        configFrom: (values) => configFrom(values, options.profile ?? 'paper'),
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
