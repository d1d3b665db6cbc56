/**
 * GPU benchmark entry (bundled by prepare.sh into carry/bench.bundle.mjs, run by run.sh on a
 * machine with a GPU and no Node or network): DenseNet-121 training step on webgpu, with the
 * stock tfjs kernels or with this package's kernels, plus a numerics check of the kernels
 * against the cpu backend. One JSON line per result.
 * Usage: node bench.bundle.mjs numerics | bench [--stock] [--batch 16 --size 320 --steps 3]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  type ModuleLoader,
  probeWebGpuAdapter,
  registerTrainingKernels,
  releaseWebGpu,
  selectBackend,
} from '../../src/index.js';
import { loadModule } from '../../src/module-loader.js';
import { buildDenseNetLike, DENSENET_121 } from '../../src/testing/densenet-like.js';
import { naiveConv2dFilterGrad, outputSize } from '../../src/testing/naive-conv.js';
import { relativeError, seededValues } from '../../src/testing/numerics.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stock: { type: 'boolean', default: false },
    batch: { type: 'string', default: '16' },
    size: { type: 'string', default: '320' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    'max-seconds': { type: 'string', default: '240' },
  },
});
const emit = (o: Record<string, unknown>) => console.log(`RESULT ${JSON.stringify(o)}`);

async function numerics() {
  const cases = [
    { batch: 2, inH: 33, inW: 33, inC: 16, kh: 3, kw: 3, outC: 32, strideH: 1, strideW: 1, padding: 'same' as const },
    { batch: 2, inH: 38, inW: 38, inC: 3, kh: 7, kw: 7, outC: 64, strideH: 2, strideW: 2, padding: 'same' as const },
    { batch: 4, inH: 16, inW: 16, inC: 128, kh: 1, kw: 1, outC: 32, strideH: 1, strideW: 1, padding: 'valid' as const },
    { batch: 2, inH: 14, inW: 13, inC: 5, kh: 3, kw: 2, outC: 7, strideH: 2, strideW: 3, padding: 'valid' as const },
  ];
  for (const g of cases) {
    const { outH, outW } = outputSize(g);
    const x = seededValues(g.batch * g.inH * g.inW * g.inC, 1);
    const dy = seededValues(g.batch * outH * outW * g.outC, 2);
    const out = tf.engine().runKernel(
      'Conv2DBackpropFilter',
      { x: tf.tensor4d(x, [g.batch, g.inH, g.inW, g.inC]), dy: tf.tensor4d(dy, [g.batch, outH, outW, g.outC]) },
      { strides: [g.strideH, g.strideW], pad: g.padding, dataFormat: 'NHWC', filterShape: [g.kh, g.kw, g.inC, g.outC] },
    ) as tf.Tensor;
    const rel = relativeError((await out.data()) as Float32Array, naiveConv2dFilterGrad(x, dy, g));
    emit({ check: 'Conv2DBackpropFilter', case: g, relativeError: rel, pass: rel < 1e-4 });
  }
}

async function bench() {
  const batch = Number(values.batch);
  const size = Number(values.size);
  const config = { ...DENSENET_121, inputSize: size };
  const model = buildDenseNetLike(config);
  const optimizer = tf.train.adam(1e-4);
  const x = tf.randomUniform([batch, size, size, 3]);
  const y = tf.tidy(() => tf.randomUniform([batch, config.classes]).round());
  const times: number[] = [];
  const started = Date.now();
  const total = Number(values.warmup) + Number(values.steps);
  for (let i = 0; i < total; i++) {
    if (i > Number(values.warmup) && (Date.now() - started) / 1000 > Number(values['max-seconds'])) break;
    const t0 = performance.now();
    const loss = optimizer.minimize(
      () => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    ) as tf.Scalar;
    const value = (await loss.data())[0] as number;
    loss.dispose();
    const ms = performance.now() - t0;
    console.log(`step ${i}${i < Number(values.warmup) ? ' (warmup)' : ''}: ${ms.toFixed(0)} ms, loss ${value.toFixed(5)}`);
    if (i >= Number(values.warmup) || total === 1) times.push(ms);
    if (i === 0) emit({ firstStepMs: ms, variant: values.stock ? 'stock' : 'patched' });
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)] as number;
  emit({
    backend: `tfjs webgpu ${values.stock ? '(stock kernels)' : '+ @cihmlc/runtime kernels'}`,
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
  });
  emit({ adapterName: selection.adapterName });
  const mode = positionals[0] ?? 'bench';
  if (mode === 'numerics' || !values.stock) registerTrainingKernels('webgpu');
  if (mode === 'numerics') await numerics();
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
