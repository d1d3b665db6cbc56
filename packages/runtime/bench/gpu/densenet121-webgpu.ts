/**
 * GPU benchmark entry (bundled by prepare.sh into carry/bench.bundle.mjs, run by run.sh on a
 * machine with a GPU and no Node or network): DenseNet-121 training step on webgpu, with the
 * stock tfjs kernels or with this package's kernels, plus a numerics check of the kernels
 * against the cpu backend. One JSON line per result.
 * Usage: node bench.bundle.mjs numerics | bench | profile | hostprofile | cpuprofile [--stock] [--replay] [--batch 16 --size 320 --steps 3]
 *   [--flags '{"WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE":100}']
 * `profile` times one step with tf.profile (GPU timestamp queries) and prints the kernels by GPU
 * time and by count, i.e. where a step's time goes: GPU work or per-dispatch host overhead.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  bindGroupCacheOf,
  captureTrainingStep,
  fusedAdam,
  type ModuleLoader,
  probeWebGpuAdapter,
  registerTrainingKernels,
  releaseWebGpu,
  selectBackend,
} from '../../src/index.js';
import { loadModule } from '../../src/module-loader.js';
import { adamTrajectory } from '../../src/testing/adam-reference.js';
import { BATCH_NORM_OUTPUTS, batchNormOutputs } from '../../src/testing/batch-norm-reference.js';
import {
  buildDenseNetLike,
  DENSENET_121,
  type StepTiming,
  trainingStep,
  trainingStepFn,
} from '../../src/testing/densenet-like.js';
import { naiveConv2dFilterGrad, outputSize } from '../../src/testing/naive-conv.js';
import { relativeError, seededValues } from '../../src/testing/numerics.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stock: { type: 'boolean', default: false },
    // The package's kernels but tf.train.adam instead of FusedAdamOptimizer.
    'stock-adam': { type: 'boolean', default: false },
    batch: { type: 'string', default: '16' },
    size: { type: 'string', default: '320' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    'max-seconds': { type: 'string', default: '240' },
    flags: { type: 'string', default: '' },
    // Rows per split-K group of the webgpu Conv2DBackpropFilter (0 = no split; default: the package's).
    'splitk-rows': { type: 'string', default: '' },
    // Without the bind-group cache (installBindGroupCache) that selectBackend installs.
    'no-bind-group-cache': { type: 'boolean', default: false },
    // bench: record the step once (captureTrainingStep) and replay it.
    replay: { type: 'boolean', default: false },
    // cpuprofile: where step.cpuprofile goes.
    out: { type: 'string', default: '' },
  },
});
const emit = (o: Record<string, unknown>) => console.log(`RESULT ${JSON.stringify(o)}`);

async function numerics() {
  const cases = [
    {
      batch: 2,
      inH: 33,
      inW: 33,
      inC: 16,
      kh: 3,
      kw: 3,
      outC: 32,
      strideH: 1,
      strideW: 1,
      padding: 'same' as const,
    },
    {
      batch: 2,
      inH: 38,
      inW: 38,
      inC: 3,
      kh: 7,
      kw: 7,
      outC: 64,
      strideH: 2,
      strideW: 2,
      padding: 'same' as const,
    },
    {
      batch: 4,
      inH: 16,
      inW: 16,
      inC: 128,
      kh: 1,
      kw: 1,
      outC: 32,
      strideH: 1,
      strideW: 1,
      padding: 'valid' as const,
    },
    {
      batch: 2,
      inH: 14,
      inW: 13,
      inC: 5,
      kh: 3,
      kw: 2,
      outC: 7,
      strideH: 2,
      strideW: 3,
      padding: 'valid' as const,
    },
  ];
  for (const g of cases) {
    const { outH, outW } = outputSize(g);
    const x = seededValues(g.batch * g.inH * g.inW * g.inC, 1);
    const dy = seededValues(g.batch * outH * outW * g.outC, 2);
    const out = tf.engine().runKernel(
      'Conv2DBackpropFilter',
      {
        x: tf.tensor4d(x, [g.batch, g.inH, g.inW, g.inC]),
        dy: tf.tensor4d(dy, [g.batch, outH, outW, g.outC]),
      },
      {
        strides: [g.strideH, g.strideW],
        pad: g.padding,
        dataFormat: 'NHWC',
        filterShape: [g.kh, g.kw, g.inC, g.outC],
      },
    ) as tf.Tensor;
    const rel = relativeError((await out.data()) as Float32Array, naiveConv2dFilterGrad(x, dy, g));
    emit({ check: 'Conv2DBackpropFilter', case: g, relativeError: rel, pass: rel < 1e-4 });
  }
  // FusedAdamOptimizer's kernel against the stock tf.train.adam, both on this GPU.
  const want = await adamTrajectory(tf.train.adam(0.01, 0.8, 0.95, 1e-7), 4, 'gpu_adam_stock');
  const got = await adamTrajectory(fusedAdam(0.01, 0.8, 0.95, 1e-7), 4, 'gpu_adam_fused');
  const rel = Math.max(
    ...got.params.map((p, i) => relativeError(p, want.params[i] as Float32Array)),
    ...got.moments.map((m, i) => relativeError(m, want.moments[i] as Float32Array)),
  );
  emit({ check: 'CihmlcAdamUpdate', relativeError: rel, pass: rel < 1e-5 });
  await batchNormChecks();
}

/**
 * densenet's fused batch norm (forward, gradients, moving averages) and Relu's gradient through
 * this package's webgpu kernels against the stock ops on the cpu backend, at a DenseNet-sized
 * activation (many row chunks, a large mean).
 */
async function batchNormChecks() {
  const shape: [number, number, number, number] = [16, 40, 40, 64];
  const options = { offset: 5, relu: true, movingAverage: true };
  const gpu = await batchNormOutputs(true, shape, options);
  await tf.setBackend('cpu');
  const cpu = await batchNormOutputs(false, shape, options);
  await tf.setBackend('webgpu');
  for (const [k, name] of [...BATCH_NORM_OUTPUTS, 'movingVariance'].entries()) {
    const rel = relativeError(gpu[k] as Float32Array, cpu[k] as Float32Array);
    emit({ check: `batch norm ${name} [${shape}]`, relativeError: rel, pass: rel < 1e-4 });
  }
}

function setup() {
  const batch = Number(values.batch);
  const size = Number(values.size);
  const config = { ...DENSENET_121, inputSize: size };
  const model = buildDenseNetLike(config);
  const optimizer = values.stock || values['stock-adam'] ? tf.train.adam(1e-4) : fusedAdam(1e-4);
  const x = tf.randomUniform([batch, size, size, 3]);
  const y = tf.tidy(() => tf.randomUniform([batch, config.classes]).round());
  const step = (timing?: StepTiming) => trainingStep(model, optimizer, x, y, timing);
  // The same step as a function of the batch, for captureTrainingStep.
  const stepFn = trainingStepFn(model, optimizer);
  return { batch, size, step, stepFn, optimizer, x, y };
}

/** Kernels that only relabel a tensor (no GPU dispatch on webgpu). */
const NO_DISPATCH = new Set(['Reshape', 'Identity', 'Cast', 'ExpandDims', 'Squeeze']);

async function profile() {
  const { batch, size, step } = setup();
  for (let i = 0; i < Number(values.warmup) + 1; i++) {
    const t0 = performance.now();
    await step();
    console.log(`profile warmup ${i}: ${(performance.now() - t0).toFixed(0)} ms`);
  }
  const t0 = performance.now();
  const info = await tf.profile(step);
  const wallMs = performance.now() - t0;
  const byName = new Map<string, { n: number; gpuMs: number }>();
  let gpuMs = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const a = byName.get(k.name) ?? { n: 0, gpuMs: 0 };
    a.n++;
    a.gpuMs += ms;
    gpuMs += ms;
    byName.set(k.name, a);
  }
  const dispatches = info.kernels.filter((k) => !NO_DISPATCH.has(k.name)).length;
  const top = [...byName].sort((a, b) => b[1].gpuMs - a[1].gpuMs);
  for (const [name, a] of top.slice(0, 25))
    console.log(
      `  ${name.padEnd(28)} n=${String(a.n).padStart(6)} gpu ${a.gpuMs.toFixed(1).padStart(8)} ms`,
    );
  emit({
    profile: 'densenet121',
    batch,
    size,
    kernels: info.kernels.length,
    dispatches,
    gpuMs,
    profiledWallMs: wallMs,
    top: top.slice(0, 25).map(([name, a]) => ({ name, n: a.n, gpuMs: +a.gpuMs.toFixed(2) })),
  });
}

/**
 * One step with the WebGPU device's host-side calls wrapped: how many of each (bind groups,
 * mapped buffer creations = uploads, compute passes, submits, writeBuffer) and how much wall
 * time they take, i.e. which per-dispatch cost dominates on this machine's driver.
 */
async function hostProfile() {
  const { batch, size, step } = setup();
  for (let i = 0; i < Number(values.warmup) + 1; i++) await step();
  const dev = (tf.backend() as unknown as { device: Record<string, unknown> }).device;
  const stats = new Map<string, { n: number; ms: number }>();
  const wrap = (obj: Record<string, unknown>, name: string, label: (args: unknown[]) => string) => {
    const original = (obj[name] as (...a: unknown[]) => unknown).bind(obj);
    obj[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const result = original(...args);
      const s = stats.get(label(args)) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += performance.now() - t0;
      stats.set(label(args), s);
      return result;
    };
  };
  wrap(dev, 'createBuffer', (a) =>
    (a[0] as { mappedAtCreation?: boolean }).mappedAtCreation
      ? 'createBuffer(mapped)'
      : 'createBuffer',
  );
  wrap(dev, 'createBindGroup', () => 'createBindGroup');
  const queue = dev.queue as Record<string, unknown>;
  wrap(queue, 'submit', () => 'queue.submit');
  wrap(queue, 'writeBuffer', () => 'queue.writeBuffer');
  const createEncoder = (
    dev.createCommandEncoder as (...a: unknown[]) => Record<string, unknown>
  ).bind(dev);
  dev.createCommandEncoder = (...args: unknown[]) => {
    const encoder = createEncoder(...args);
    wrap(encoder, 'beginComputePass', () => 'beginComputePass');
    wrap(encoder, 'copyBufferToBuffer', () => 'copyBufferToBuffer');
    return encoder;
  };
  const t0 = performance.now();
  await step();
  const wallMs = performance.now() - t0;
  const calls = Object.fromEntries(
    [...stats].map(([k, v]) => [k, { n: v.n, ms: +v.ms.toFixed(1) }]),
  );
  const cache = bindGroupCacheOf(dev);
  emit({ hostProfile: 'densenet121', batch, size, wallMs, calls, bindGroupCache: cache?.stats });
}

/**
 * A V8 CPU profile of `--steps` steps after the warm-up, written to `--out`/step.cpuprofile and
 * summarised (self time by file and by function): which JavaScript the host side spends a step in.
 */
async function cpuProfile() {
  const { step } = setup();
  for (let i = 0; i < Number(values.warmup) + 1; i++) await step();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const t0 = performance.now();
  const steps = Number(values.steps);
  for (let i = 0; i < steps; i++) await step();
  const wallMs = (performance.now() - t0) / steps;
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  const file = join(values.out || '.', 'step.cpuprofile');
  writeFileSync(file, JSON.stringify(profile));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const short = (url: string) => url.replace(/^.*node_modules\//, '').replace(/^.*\//, '');
  for (const [id, us] of selfUs) {
    const frame = (nodes.get(id) as CpuProfileNode).callFrame;
    const file = short(frame.url) || frame.functionName;
    byFile.set(file, (byFile.get(file) ?? 0) + us / steps / 1000);
    const fn = `${frame.functionName || '(anonymous)'} ${short(frame.url)}:${frame.lineNumber}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us / steps / 1000);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => `${ms.toFixed(1).padStart(7)} ms  ${k}`);
  console.log(`cpu profile: ${wallMs.toFixed(0)} ms per step, self time per step by file:`);
  for (const line of top(byFile, 12)) console.log(`  ${line}`);
  console.log('by function:');
  for (const line of top(byFunction, 40)) console.log(`  ${line}`);
  emit({ cpuProfile: file, wallMsPerStep: wallMs, steps });
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * `bench --replay`: the warm-up steps through TF.js, then captureTrainingStep records the step
 * (two more real steps) and the timed steps replay it. Prints per step the wall time, the host
 * time until the step is submitted and the wait for the loss.
 */
async function benchReplay() {
  const { batch, size, step, stepFn, optimizer, x, y } = setup();
  for (let i = 0; i < Number(values.warmup); i++) {
    const t0 = performance.now();
    const value = await step();
    console.log(
      `step ${i} (warmup): ${(performance.now() - t0).toFixed(0)} ms, loss ${value.toFixed(5)}`,
    );
  }
  const t0 = performance.now();
  const capture = await captureTrainingStep(stepFn, { inputs: [x, y], optimizer });
  const captureMs = performance.now() - t0;
  console.log(
    `capture: ${captureMs.toFixed(0)} ms, ${capture.replayable ? `replayable ${JSON.stringify(capture.stats)}` : `falls back: ${capture.reason}`}`,
  );
  emit({ capture: capture.replayable, reason: capture.reason, stats: capture.stats, captureMs });
  const times: number[] = [];
  const hosts: number[] = [];
  const started = Date.now();
  for (let i = 0; i < Number(values.steps); i++) {
    if (i > 0 && (Date.now() - started) / 1000 > Number(values['max-seconds'])) break;
    const t1 = performance.now();
    const handle = capture.run([x, y]);
    const host = performance.now() - t1;
    const value = ((await handle.outputs())[0] as Float32Array)[0] as number;
    const ms = performance.now() - t1;
    times.push(ms);
    hosts.push(host);
    console.log(
      `replay ${i} (${handle.path}): ${ms.toFixed(0)} ms (JS until submitted ${host.toFixed(1)}, wait for the loss ${(ms - host).toFixed(0)}), loss ${value.toFixed(5)}`,
    );
  }
  capture.release();
  const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)] as number;
  const ms = median(times);
  emit({
    backend: `tfjs webgpu + @cihmlc/runtime kernels, fusedAdam, captureTrainingStep replay${capture.replayable ? '' : ' (fell back)'}`,
    model: 'densenet121',
    batch,
    size,
    msPerStep: ms,
    hostMsPerStep: median(hosts),
    imagesPerSecond: (batch * 1000) / ms,
  });
}

async function bench() {
  if (values.replay) return benchReplay();
  const { batch, size, step } = setup();
  const times: number[] = [];
  const started = Date.now();
  const total = Number(values.warmup) + Number(values.steps);
  for (let i = 0; i < total; i++) {
    if (i > Number(values.warmup) && (Date.now() - started) / 1000 > Number(values['max-seconds']))
      break;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const timing: StepTiming = { encodeMs: 0, readMs: 0 };
    const value = await step(timing);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `step ${i}${i < Number(values.warmup) ? ' (warmup)' : ''}: ${ms.toFixed(0)} ms (JS ${timing.encodeMs.toFixed(0)}, wait for the loss ${timing.readMs.toFixed(0)}; process CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms), loss ${value.toFixed(5)}`,
    );
    if (i >= Number(values.warmup) || total === 1) times.push(ms);
    if (i === 0) emit({ firstStepMs: ms, variant: values.stock ? 'stock' : 'patched' });
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)] as number;
  emit({
    backend: `tfjs webgpu ${values.stock ? '(stock kernels)' : `+ @cihmlc/runtime kernels${values['stock-adam'] ? ', tf.train.adam' : ', fusedAdam'}`}${values['splitk-rows'] !== '' ? `, split-K rows ${values['splitk-rows']}` : ''}${values['no-bind-group-cache'] ? ', no bind-group cache' : ''}${values.flags ? ` ${values.flags}` : ''}`,
    model: 'densenet121',
    batch,
    size,
    msPerStep: ms,
    imagesPerSecond: (batch * 1000) / ms,
  });
}

async function main() {
  // In the bundle there is no node_modules: install navigator.gpu from $DAWN_NODE first, then
  // evaluate the bundled tfjs-backend-webgpu (it registers its backend only if navigator.gpu
  // exists), and tell selectBackend that the package is already loaded.
  await probeWebGpuAdapter(loadModule);
  await import('@tensorflow/tfjs-backend-webgpu');
  const bundled: ModuleLoader = (specifier) =>
    specifier === '@tensorflow/tfjs-backend-webgpu' ? {} : loadModule(specifier);
  const selection = await selectBackend({
    backend: 'webgpu',
    registerKernels: false,
    allowSoftwareWebGpu: true,
    loadModule: bundled,
    webgpu: { bindGroupCache: !values['no-bind-group-cache'] && !values.stock },
  });
  emit({ adapterName: selection.adapterName });
  const mode = positionals[0] ?? 'bench';
  const kernelOptions =
    values['splitk-rows'] !== '' ? { webgpuSplitKRows: Number(values['splitk-rows']) } : {};
  if (mode === 'numerics' || !values.stock) registerTrainingKernels('webgpu', kernelOptions);
  if (values.flags)
    tf.env().setFlags(
      JSON.parse(values.flags) as Parameters<ReturnType<typeof tf.env>['setFlags']>[0],
    );
  if (mode === 'numerics') await numerics();
  else if (mode === 'profile') await profile();
  else if (mode === 'hostprofile') await hostProfile();
  else if (mode === 'cpuprofile') await cpuProfile();
  else await bench();
  releaseWebGpu();
}

main().then(
  () => process.exit(0),
  (error) => {
    emit({ error: String(error instanceof Error ? (error.stack ?? error.message) : error) });
    process.exit(1);
  },
);
