/**
 * `pnpm bench`: training-step throughput of the trainer's model (@cihmlc/densenet's classifier
 * as apps/trainer's synthetic profile builds it), the small DenseNet-like model and DenseNet-121
 * on cpu (stock and with this package's kernels), wasm (stock, patched with tfjs-layers' own
 * BatchNormalization, and patched with @cihmlc/densenet's fused one), webgpu when Dawn finds an
 * adapter (lavapipe on CPU-only machines), and the PyTorch CPU peer (2 threads) on the same
 * model and batch, in one run. Each variant runs in its own process with a time limit.
 * Env: BENCH_TIMEOUT_S (per variant, default 300), BENCH_ONLY=trainer|small|densenet121 (comma
 * list), BENCH_BACKENDS=cpu-stock,cpu,wasm-stock,wasm-stock-bn,wasm,tensorflow,webgpu,pytorch
 * (default: all; tensorflow needs `cihmlc-runtime link-tensorflow` first), BENCH_BATCH (batch of the 64 px models, default 16), BENCH_STEPS (timed wasm steps of
 * the 64 px models, default 6), PYTHON.
 */
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const timeoutS = Number(process.env.BENCH_TIMEOUT_S ?? 300);
const python = process.env.PYTHON ?? '/usr/bin/python3';

interface Workload {
  model: 'trainer' | 'small' | 'densenet121';
  batch: number;
  size: number;
}
interface Variant {
  key: string;
  label: string;
  args: string[];
  steps: number;
  warmup: number;
}
interface Row {
  workload: Workload;
  label: string;
  msPerStep?: number;
  imagesPerSecond?: number;
  note?: string;
}

const WORKLOADS: Workload[] = [
  { model: 'trainer', batch: Number(process.env.BENCH_BATCH ?? 16), size: 64 },
  { model: 'small', batch: Number(process.env.BENCH_BATCH ?? 16), size: 64 },
  { model: 'densenet121', batch: 2, size: 224 },
].filter(
  (w) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(',').includes(w.model),
) as Workload[];
const WASM_STEPS = Number(process.env.BENCH_STEPS ?? 6);

const MODEL_NAMES: Record<Workload['model'], string> = {
  trainer: "trainer's tiny DenseNet (@cihmlc/densenet)",
  small: 'small DenseNet-like',
  densenet121: 'DenseNet-121',
};

const VARIANTS: Variant[] = [
  {
    key: 'cpu-stock',
    label: 'tfjs cpu (stock)',
    args: ['--backend', 'cpu', '--stock'],
    steps: 1,
    warmup: 0,
  },
  {
    key: 'cpu',
    label: 'tfjs cpu + @cihmlc/runtime kernels',
    args: ['--backend', 'cpu'],
    steps: 2,
    warmup: 1,
  },
  {
    key: 'wasm-stock',
    label: 'tfjs wasm (stock)',
    args: ['--backend', 'wasm', '--stock'],
    steps: 1,
    warmup: 0,
  },
  {
    key: 'wasm-stock-bn',
    label: 'tfjs wasm + @cihmlc/runtime kernels, tfjs-layers BN',
    args: ['--backend', 'wasm', '--stock-bn'],
    steps: WASM_STEPS,
    warmup: 1,
  },
  {
    key: 'wasm',
    label: 'tfjs wasm + @cihmlc/runtime kernels, fused BN',
    args: ['--backend', 'wasm'],
    steps: WASM_STEPS,
    warmup: 1,
  },
  {
    key: 'tensorflow',
    label: 'tfjs tensorflow (pip TensorFlow via link-tensorflow)',
    args: ['--backend', 'tensorflow'],
    steps: WASM_STEPS,
    warmup: 1,
  },
  {
    key: 'webgpu',
    label: 'tfjs webgpu + @cihmlc/runtime kernels',
    args: ['--backend', 'webgpu'],
    steps: 2,
    warmup: 1,
  },
];

function wanted(key: string): boolean {
  const list = process.env.BENCH_BACKENDS;
  return !list || list.split(',').includes(key);
}

async function runJson(cmd: string, args: string[]): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await run(cmd, args, {
      timeout: timeoutS * 1000,
      maxBuffer: 1 << 24,
      cwd: path.join(here, '..'),
    });
    const line = stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1);
    return line ? JSON.parse(line) : { error: 'no result line' };
  } catch (error) {
    const e = error as { killed?: boolean; signal?: string; message?: string };
    if (e.killed || e.signal === 'SIGTERM')
      return { error: `stopped after ${timeoutS} s (BENCH_TIMEOUT_S)` };
    return { error: String(e.message ?? error).split('\n')[0] };
  }
}

function shortError(text: string): string {
  if (/Conv2DBackpropFilter.*not registered/.test(text))
    return "cannot train: no 'Conv2DBackpropFilter' kernel";
  if (/not available/.test(text)) return text.replace(/^selectBackend: /, '').slice(0, 90);
  return text.slice(0, 90);
}

/** Training FLOPs per step of each workload (estimateTrainingFlops), from the first variant that ran. */
const flops = new Map<Workload, number>();

async function main() {
  const rows: Row[] = [];
  const tsx = path.join(here, '..', 'node_modules', '.bin', 'tsx');
  for (const w of WORKLOADS) {
    const common = ['--model', w.model, '--batch', String(w.batch), '--size', String(w.size)];
    for (const v of VARIANTS.filter((x) => wanted(x.key))) {
      const steps = w.model === 'densenet121' ? Math.min(v.steps, 2) : v.steps;
      const r = await runJson(tsx, [
        path.join(here, 'train-step.ts'),
        ...common,
        ...v.args,
        '--steps',
        String(steps),
        '--warmup',
        String(v.warmup),
      ]);
      let label = r.adapterName ? `${v.label} [${r.adapterName}]` : v.label;
      if (r.tensorflowVersion) {
        label = `tfjs tensorflow [TensorFlow ${r.tensorflowVersion}, ${(r.devices as string[]).join(', ')}]`;
      }
      if (r.flopsPerStep) flops.set(w, Number(r.flopsPerStep));
      const row: Row = r.error
        ? { workload: w, label, note: shortError(String(r.error)) }
        : {
            workload: w,
            label,
            msPerStep: Number(r.msPerStep),
            imagesPerSecond: Number(r.imagesPerSecond),
          };
      rows.push(row);
      process.stderr.write(
        `${w.model} ${label}: ${row.msPerStep ? `${row.msPerStep.toFixed(0)} ms/step` : row.note}\n`,
      );
    }
    if (!wanted('pytorch')) continue;
    const t = await runJson(python, [
      path.join(here, 'torch_peer.py'),
      '--model',
      w.model,
      '--batch',
      String(w.batch),
      '--size',
      String(w.size),
      '--steps',
      w.model === 'densenet121' ? '3' : '10',
      '--threads',
      '2',
    ]);
    rows.push(
      t.error
        ? {
            workload: w,
            label: 'PyTorch CPU, 2 threads',
            note: `skipped: ${String(t.error).slice(0, 80)}`,
          }
        : {
            workload: w,
            label: String(t.backend),
            msPerStep: Number(t.msPerStep),
            imagesPerSecond: Number(t.imagesPerSecond),
          },
    );
  }
  printTable(rows);
}

function printTable(rows: Row[]) {
  const lines: string[] = [];
  lines.push(
    `Training step (forward + backward + Adam), ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, load ${os.loadavg()[0]?.toFixed(1)}`,
  );
  lines.push('');
  lines.push('| model | batch x size | backend | ms / step (best) | images / s | vs PyTorch |');
  lines.push('|---|---|---|---:|---:|---:|');
  for (const r of rows) {
    const peer = rows.find((p) => p.workload === r.workload && p.label.startsWith('pytorch'));
    const factor = r.msPerStep && peer?.msPerStep ? r.msPerStep / peer.msPerStep : 0;
    let ratio = '';
    if (factor >= 1) ratio = `${factor.toFixed(1)}x slower`;
    else if (factor > 0) ratio = `${(1 / factor).toFixed(1)}x faster`;
    const name = MODEL_NAMES[r.workload.model];
    const ms = r.msPerStep ? r.msPerStep.toFixed(0) : (r.note ?? '');
    const ips = r.imagesPerSecond ? r.imagesPerSecond.toFixed(2) : '';
    lines.push(
      `| ${name} | ${r.workload.batch} x ${r.workload.size}² | ${r.label} | ${ms} | ${ips} | ${r.label.startsWith('pytorch') ? '1x' : ratio} |`,
    );
  }
  lines.push('');
  for (const [w, f] of flops) {
    lines.push(
      `${MODEL_NAMES[w.model]}, ${w.batch} x ${w.size}²: ${(f / 1e9).toFixed(2)} GFLOP per training step (estimateTrainingFlops)`,
    );
  }
  console.log(lines.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
