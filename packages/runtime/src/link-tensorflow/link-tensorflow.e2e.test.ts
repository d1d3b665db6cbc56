import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../select-backend.js';
import { type LinkReport, linkTensorflow } from './link-tensorflow.js';

/**
 * End to end against a real pip TensorFlow: $CIHMLC_TF_PYTHON, else the repository's
 * `.venv-tf/bin/python` (what scripts/install-tensorflow-venv.sh makes). Without one it is
 * skipped and says why.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const repoVenv = path.resolve(here, '../../../../.venv-tf/bin/python');
const python = process.env.CIHMLC_TF_PYTHON || (existsSync(repoVenv) ? repoVenv : undefined);
const why = python
  ? undefined
  : `no TensorFlow Python: set CIHMLC_TF_PYTHON or run scripts/install-tensorflow-venv.sh (makes ${repoVenv})`;
if (why) console.log(`SKIPPED link-tensorflow end-to-end tests: ${why}`);

const run = promisify(execFile);

describe.skipIf(why)('link-tensorflow against a real TensorFlow', () => {
  let first: LinkReport;

  it('links (or finds it linked), loads tfjs-node-gpu on tensorflow and matches cpu on a matmul', async () => {
    const lines: string[] = [];
    first = await linkTensorflow({ python, log: (l) => lines.push(l) });
    expect(first.missing).toEqual([]);
    expect(first.ok).toBe(true);
    expect(['built', 'already-linked']).toContain(first.action);
    expect(first.verification).toMatchObject({ backend: 'tensorflow', devices: ['CPU'] });
    expect(first.verification?.tfVersion).toBe(first.tensorflow?.version);
    expect(first.verification?.matmulRelativeError).toBeLessThan(1e-5);
  });

  it('a second run says it is already linked, builds nothing and verifies', async () => {
    const again = await linkTensorflow({ python });
    expect(again).toMatchObject({ ok: true, action: 'already-linked', state: 'linked' });
    expect(again.verification?.backend).toBe('tensorflow');
  });

  it('the kernels of a DenseNet training step agree with TF.js cpu within 1e-5 relative', async () => {
    const script = path.join(here, 'testing', 'tensorflow-numerics.cjs');
    const { stdout } = await run(process.execPath, [script, first.package?.dir as string], {
      maxBuffer: 1 << 24,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('CIHMLC-NUMERICS '));
    const result = JSON.parse((line as string).slice(16)) as {
      backend: string;
      errors: Record<string, number>;
      error?: string;
    };
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('tensorflow');
    expect(Object.keys(result.errors)).toHaveLength(10);
    for (const [name, error] of Object.entries(result.errors)) {
      expect({ name, error }).toEqual({ name, error: expect.any(Number) });
      expect(error, name).toBeLessThan(1e-5);
    }
  });

  it('selectBackend: auto takes the linked tensorflow for a large workload and reports its version', async () => {
    const selection = await selectBackend({ backend: 'auto', workload: { flopsPerStep: 1e11 } });
    expect(selection.backend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(selection.tensorflowVersion).toBe(first.tensorflow?.version);
    expect(selection.devices).toEqual(['CPU']);
    const small = await selectBackend({ backend: 'auto', workload: { flopsPerStep: 1e8 } });
    expect(small.backend).not.toBe('tensorflow');
    expect(small.skipped[0]?.backend).toBe('tensorflow');
  });
});
