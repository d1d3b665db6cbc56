/**
 * `pnpm bench:host`: the host side of one webgpu training step, measured without a GPU (lavapipe
 * will do: the JavaScript and the WebGPU calls a step makes do not depend on how fast the adapter
 * is, and the dispatch count does not depend on the batch). Per step: host milliseconds (from the
 * start of the step until its last commands are submitted, excluding the wait for the GPU),
 * dispatches, queue submits, uploads, bind groups asked for and created (bind-group cache
 * misses), uniform writes; the median over the timed steps after warm-up, as one JSON line.
 * Usage: tsx bench/host-step.ts [--model densenet121|small] [--batch 2] [--size 32]
 *   [--warmup 2] [--steps 3] [--replay] [--submit-batch N]
 * --replay: captureTrainingStep records the step (after the warm-up steps) and replays it.
 * --submit-batch N: WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (default 15); on lavapipe, 100000 keeps
 * the adapter's threads from running submitted work alongside the normal path's JavaScript.
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { bindGroupCacheOf, fusedAdam, releaseWebGpu, selectBackend } from '../src/index.js';
import {
  buildDenseNetLike,
  DENSENET_121,
  type DenseNetLikeConfig,
  SMALL_DENSENET,
  trainingStepFn,
} from '../src/testing/densenet-like.js';
import { installWebGpuCounters, type WebGpuCounts } from '../src/testing/webgpu-counters.js';
import type { StepCapture } from '../src/webgpu-step-replay.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'densenet121' },
    batch: { type: 'string', default: '2' },
    size: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '2' },
    steps: { type: 'string', default: '3' },
    replay: { type: 'boolean', default: false },
    'submit-batch': { type: 'string', default: '' },
  },
});
const batch = Number(values.batch);
const size = Number(values.size);

interface StepFigures extends WebGpuCounts {
  hostMs: number;
  /** The process's CPU time (all threads) until the step is submitted: robust to a loaded machine. */
  hostCpuMs: number;
  gpuWaitMs: number;
  bindGroupsCreated: number;
  loss: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main() {
  const selection = await selectBackend({ backend: 'webgpu', allowSoftwareWebGpu: true });
  // On lavapipe the "GPU" is the same CPU: work submitted mid-step runs alongside the step's
  // JavaScript and slows it. A large submit batch keeps the normal path's work on the host until
  // the end of the step, so that host time is JavaScript (and Dawn) alone.
  if (values['submit-batch'])
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', Number(values['submit-batch']));
  const backend = tf.backend() as unknown as {
    device: object;
    commandEncoder: unknown;
    endComputePassEncoder(): void;
    submitQueue(): void;
  };
  const base: DenseNetLikeConfig = values.model === 'small' ? SMALL_DENSENET : DENSENET_121;
  const config = { ...base, inputSize: size };
  const model = buildDenseNetLike(config);
  const optimizer = fusedAdam(1e-3);
  const x = tf.randomUniform([batch, size, size, 3]);
  const y = tf.tidy(() => tf.randomUniform([batch, config.classes]).round());
  const stepFn = trainingStepFn(model, optimizer);
  /** Submits what the backend still holds: the step's commands are then all on the queue. */
  const flush = () => {
    backend.endComputePassEncoder();
    if (backend.commandEncoder) backend.submitQueue();
  };
  const counters = installWebGpuCounters(backend);
  const cache = bindGroupCacheOf(backend.device);
  const warmup = Number(values.warmup);
  const steps = Number(values.steps);
  const figures: StepFigures[] = [];
  const measure = async (run: () => Promise<number>, hostDone: () => number) => {
    counters.reset();
    const misses = cache?.stats.misses ?? 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const pending = run();
    const tHost = hostDone();
    const cpu = process.cpuUsage(cpu0);
    const loss = await pending;
    const t2 = performance.now();
    if (!Number.isFinite(loss)) throw new Error(`non-finite loss ${loss}`);
    return {
      ...counters.counts,
      hostMs: tHost - t0,
      hostCpuMs: (cpu.user + cpu.system) / 1000,
      gpuWaitMs: t2 - t0 - (tHost - t0),
      bindGroupsCreated: (cache?.stats.misses ?? 0) - misses,
      loss,
    };
  };
  let tHost = 0;
  const normalStep = () =>
    measure(
      async () => {
        const loss = stepFn(x, y);
        flush();
        tHost = performance.now();
        const value = (await loss.data())[0] as number;
        loss.dispose();
        return value;
      },
      () => tHost,
    );
  for (let i = 0; i < warmup; i++) await normalStep();
  let captureStats: Record<string, number> | undefined;
  if (values.replay) {
    const { captureTrainingStep } = await import('../src/webgpu-step-replay.js');
    let capture: StepCapture;
    const t0 = performance.now();
    capture = await captureTrainingStep(stepFn, { inputs: [x, y], optimizer });
    const captureMs = performance.now() - t0;
    process.stderr.write(
      `capture: ${capture.replayable ? 'replayable' : `falls back: ${capture.reason}`} (${(performance.now() - t0).toFixed(0)} ms)\n`,
    );
    for (let i = 0; i < steps; i++) {
      figures.push(
        await measure(
          async () => {
            const handle = capture.run([x, y]);
            tHost = performance.now();
            return (await handle.outputs())[0]?.[0] as number;
          },
          () => tHost,
        ),
      );
    }
    captureStats = { ...capture.stats, captureMs: Math.round(captureMs) };
    capture.release();
  } else {
    for (let i = 0; i < steps; i++) figures.push(await normalStep());
  }
  const pick = (k: keyof StepFigures) => median(figures.map((f) => f[k]));
  console.log(
    JSON.stringify({
      mode: values.replay ? 'replay' : 'normal',
      submitBatch: tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'),
      adapterName: selection.adapterName,
      model: values.model,
      batch,
      size,
      steps: figures.length,
      hostMs: pick('hostMs'),
      hostMsPerStep: figures.map((f) => Math.round(f.hostMs)),
      hostMsMin: Math.min(...figures.map((f) => f.hostMs)),
      hostCpuMs: pick('hostCpuMs'),
      hostCpuMsPerStep: figures.map((f) => Math.round(f.hostCpuMs)),
      submitMs: pick('submitMs'),
      gpuWaitMs: pick('gpuWaitMs'),
      dispatches: pick('dispatches'),
      submits: pick('submits'),
      uploads: pick('uploads'),
      bindGroupCalls: pick('bindGroupCalls'),
      bindGroupsCreated: pick('bindGroupsCreated'),
      uniformWrites: pick('writeBuffers'),
      buffersCreated: pick('buffersCreated'),
      losses: figures.map((f) => f.loss),
      tensors: tf.memory().numTensors,
      date: new Date().toISOString(),
      load: os.loadavg()[0],
      cpu: `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`,
      ...(captureStats ? { capture: captureStats } : {}),
    }),
  );
  counters.uninstall();
  releaseWebGpu();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
