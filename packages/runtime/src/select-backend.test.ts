import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadModule, type ModuleLoader } from './module-loader.js';
import { selectBackend, TENSORFLOW_MIN_FLOPS_PER_STEP } from './select-backend.js';
import { probeWebGpuAdapter, releaseWebGpu } from './webgpu-backend.js';

const noNativeTensorflow: ModuleLoader = (specifier) => {
  if (specifier.startsWith('@tensorflow/tfjs-node'))
    throw new Error(`Cannot find module '${specifier}'`);
  if (specifier.endsWith('dawn.node')) throw new Error('dawn.node withheld by this test');
  return loadModule(specifier);
};

/** Stands in for tfjs-node: importing it registers a 'tensorflow' backend (here a cpu backend). */
function fakeTensorflowLoader(factory: () => tf.KernelBackend): ModuleLoader {
  return (specifier) => {
    if (specifier === '@tensorflow/tfjs-node-gpu')
      throw new Error('libcudart.so.11.0: cannot open shared object file');
    if (specifier === '@tensorflow/tfjs-node') {
      tf.registerBackend('tensorflow', factory);
      return {};
    }
    return noNativeTensorflow(specifier);
  };
}

describe('selectBackend', () => {
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);

  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(async () => {
    logs.length = 0;
    if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  });

  it('auto picks wasm here, registers its training kernels and says why the others were skipped', async () => {
    const selection = await selectBackend({ backend: 'auto', log, loadModule: noNativeTensorflow });
    expect(selection.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection.reason).toMatch(/^auto: wasm is the fastest available/);
    expect(selection.skipped.map((s) => s.backend)).toEqual(['tensorflow', 'webgpu']);
    expect(selection.skipped[0]!.reason).toMatch(
      /@tensorflow\/tfjs-node-gpu: Cannot find module.*@tensorflow\/tfjs-node: Cannot find module/,
    );
    expect(selection.skipped[1]!.reason).toMatch(/dawn\.node/);
    expect(selection.kernels).toContain('Conv2DBackpropFilter');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(logs.some((l) => l.startsWith('backend tensorflow skipped:'))).toBe(true);
    expect(logs.at(-1)).toMatch(/^backend wasm selected/);
  });

  it('an explicit tensorflow request fails clearly when tfjs-node cannot load, leaving TF.js where it was', async () => {
    await tf.setBackend('cpu');
    // (an injected loader: on a machine where `cihmlc-runtime link-tensorflow` ran, tfjs-node loads)
    await expect(
      selectBackend({ backend: 'tensorflow', loadModule: noNativeTensorflow }),
    ).rejects.toThrow(
      /backend 'tensorflow' is not available: no TensorFlow native binding loads \(@tensorflow\/tfjs-node-gpu: .+; @tensorflow\/tfjs-node: .+\)/,
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it('uses tfjs-node when it loads, after tfjs-node-gpu failed, and reports its device', async () => {
    const cpuFactory = tf.findBackendFactory('cpu')!;
    const selection = await selectBackend({
      backend: 'auto',
      loadModule: fakeTensorflowLoader(() => cpuFactory() as tf.KernelBackend),
    });
    expect(selection.backend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(selection.devices).toEqual(['CPU']);
    expect(selection.skipped).toEqual([]);
    expect(selection.kernels).toEqual([]);
    expect(selection.reason).toMatch(/@tensorflow\/tfjs-node .*on CPU/);
  });

  it('auto passes over tensorflow for a workload below the threshold without loading it', async () => {
    const asked: string[] = [];
    const cpuFactory = tf.findBackendFactory('cpu')!;
    const loader = fakeTensorflowLoader(() => cpuFactory() as tf.KernelBackend);
    const selection = await selectBackend({
      backend: 'auto',
      workload: { flopsPerStep: TENSORFLOW_MIN_FLOPS_PER_STEP / 2 },
      loadModule: (specifier) => {
        asked.push(specifier);
        return loader(specifier);
      },
    });
    expect(selection.backend).toBe('wasm');
    expect(selection.skipped[0]).toEqual({
      backend: 'tensorflow',
      reason: expect.stringMatching(
        /workload \(\d.* GFLOP per training step\) is below .* GFLOP, where wasm/,
      ),
    });
    expect(asked.filter((s) => s.startsWith('@tensorflow/tfjs-node'))).toEqual([]);
  });

  it('auto takes tensorflow for a workload at the threshold and reports its TensorFlow version', async () => {
    const cpuFactory = tf.findBackendFactory('cpu')!;
    const selection = await selectBackend({
      backend: 'auto',
      workload: { flopsPerStep: TENSORFLOW_MIN_FLOPS_PER_STEP },
      loadModule: fakeTensorflowLoader(() =>
        Object.assign(cpuFactory() as tf.KernelBackend, { binding: { TF_Version: '2.21.0' } }),
      ),
    });
    expect(selection.backend).toBe('tensorflow');
    expect(selection.tensorflowVersion).toBe('2.21.0');
    expect(selection.devices).toEqual(['CPU']);
    expect(selection.reason).toMatch(/libtensorflow 2\.21\.0\) on CPU/);
  });

  it('a named backend ignores the workload; a malformed workload is a TypeError naming the field', async () => {
    const cpuFactory = tf.findBackendFactory('cpu')!;
    const selection = await selectBackend({
      backend: 'tensorflow',
      workload: { flopsPerStep: 1 },
      loadModule: fakeTensorflowLoader(() => cpuFactory() as tf.KernelBackend),
    });
    expect(selection.backend).toBe('tensorflow');
    await expect(selectBackend({ workload: { flopsPerStep: Number.NaN } })).rejects.toThrow(
      TypeError,
    );
    await expect(selectBackend({ workload: {} as never })).rejects.toThrow(
      /options\.workload\.flopsPerStep must be a non-negative number/,
    );
  });

  it('never leaves TF.js silently on another backend when initialisation fails', async () => {
    await tf.setBackend('cpu');
    const broken = fakeTensorflowLoader(() => {
      throw new Error('libtensorflow.so.2: undefined symbol');
    });
    await expect(selectBackend({ backend: 'tensorflow', loadModule: broken })).rejects.toThrow(
      /backend 'tensorflow' is not available: TF\.js backend 'tensorflow' failed to initialise.*TF\.js is on 'cpu'/,
    );
    expect(tf.getBackend()).toBe('cpu');
    tf.removeBackend('tensorflow');
    const selection = await selectBackend({
      backend: 'auto',
      loadModule: fakeTensorflowLoader(() => {
        throw new Error('libtensorflow.so.2: undefined symbol');
      }),
    });
    expect(selection.skipped[0]).toEqual({
      backend: 'tensorflow',
      reason: expect.stringMatching(/failed to initialise/),
    });
    expect(tf.getBackend()).toBe(selection.backend);
  });

  it('rejects an unknown backend name, listing the valid ones', async () => {
    await expect(selectBackend({ backend: 'webgl' as never })).rejects.toThrow(
      /options\.backend must be one of auto, tensorflow, webgpu, wasm, cpu; got "webgl"/,
    );
    await expect(selectBackend({ backend: 'webgl' as never })).rejects.toBeInstanceOf(RangeError);
    await expect(selectBackend({ backend: 3 as never })).rejects.toBeInstanceOf(TypeError);
  });

  it('cpu on request, with its faster kernels', async () => {
    const selection = await selectBackend({ backend: 'cpu' });
    expect(selection).toMatchObject({
      backend: 'cpu',
      reason: 'requested: pure JavaScript',
      skipped: [],
    });
    expect(selection.kernels).toEqual([
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'Tile',
      'CihmlcAdamUpdate',
      'MaxPoolGrad',
      'CihmlcBatchNormForward',
      'CihmlcBatchNormGrad',
      'CihmlcMovingAverage',
      'CihmlcReluGrad',
    ]);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('webgpu on request: the adapter when Dawn has one, else a clear error', async () => {
    await tf.setBackend('cpu');
    let adapterName: string | undefined;
    let probeError = '';
    try {
      adapterName = (await probeWebGpuAdapter(loadModule)).adapterName;
    } catch (error) {
      probeError = (error as Error).message;
    }
    if (adapterName === undefined) {
      console.log(`no WebGPU adapter on this machine (${probeError}): checking the error path`);
      await expect(selectBackend({ backend: 'webgpu' })).rejects.toThrow(
        /backend 'webgpu' is not available: /,
      );
      expect(tf.getBackend()).toBe('cpu');
    } else {
      const selection = await selectBackend({ backend: 'webgpu', registerKernels: false });
      expect(selection.adapterName).toBe(adapterName);
      expect(tf.getBackend()).toBe('webgpu');
      await tf.setBackend('cpu');
      releaseWebGpu();
    }
  });

  it('auto passes over a software WebGPU adapter (lavapipe) for wasm, and says so', async () => {
    let adapter: Awaited<ReturnType<typeof probeWebGpuAdapter>> | undefined;
    try {
      adapter = await probeWebGpuAdapter(loadModule);
    } catch {
      adapter = undefined;
    }
    if (!adapter?.isSoftware) {
      console.log(
        'SKIPPED: no software WebGPU adapter here (scripts/install-lavapipe.sh installs one)',
      );
      return;
    }
    const realDawn: ModuleLoader = (specifier) =>
      specifier.startsWith('@tensorflow/tfjs-node')
        ? noNativeTensorflow(specifier)
        : loadModule(specifier);
    const selection = await selectBackend({ backend: 'auto', loadModule: realDawn });
    expect(selection.backend).toBe('wasm');
    expect(selection.skipped[1]).toEqual({
      backend: 'webgpu',
      reason: expect.stringMatching(/is a CPU implementation of Vulkan, slower than wasm/),
    });
  });
});
