import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import type { ImageShape } from './densenet.js';
import {
  loadKerasWeightsFile,
  readKerasArchiveFile,
  saveKerasWeights,
} from './keras-weights-files.js';
import { useCpuBackend } from './test-backend.js';
import type { DenseNetConfig } from './variants.js';

const fixtureDir = fileURLToPath(new URL('../fixtures/keras-reference', import.meta.url));
const script = fileURLToPath(new URL('../fixtures/make-keras-reference.py', import.meta.url));
const expected = JSON.parse(readFileSync(`${fixtureDir}/expected.json`, 'utf8')) as {
  config: DenseNetConfig;
  inputShape: ImageShape;
  head: { headFilters: number; denseUnits: number; numOutputs: number };
};

/**
 * A Python with Keras 3 for the optional check: $CIHMLC_KERAS_PYTHON, $CIHMLC_TF_PYTHON, or the
 * repository's .venv-tf (scripts/install-tensorflow-venv.sh; `pnpm run ci:prepare` makes it).
 */
function kerasPython(): { python: string | null; reason: string } {
  const candidate =
    process.env.CIHMLC_KERAS_PYTHON ||
    process.env.CIHMLC_TF_PYTHON ||
    fileURLToPath(new URL('../../../.venv-tf/bin/python', import.meta.url));
  if (!existsSync(candidate)) {
    return {
      python: null,
      reason: `no Python with Keras at ${candidate} (set CIHMLC_KERAS_PYTHON)`,
    };
  }
  try {
    execFileSync(candidate, ['-c', 'import keras, h5py'], { stdio: 'ignore', timeout: 120_000 });
    return { python: candidate, reason: '' };
  } catch {
    return { python: null, reason: `${candidate} cannot import keras and h5py` };
  }
}
const keras = kerasPython();

let root: string;
beforeAll(async () => {
  await useCpuBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'densenet-keras-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function fixtureModel(seed: number): tf.LayersModel {
  return createClassifier({
    variant: expected.config,
    inputShape: expected.inputShape,
    ...expected.head,
    seed,
  });
}

describe('Keras weight files (Node)', () => {
  it('loads a file by path, saves it as .weights.h5 atomically and loads that back', async () => {
    const model = fixtureModel(1);
    const report = await loadKerasWeightsFile(model, path.join(fixtureDir, 'model.keras'));
    expect(report.layout).toBe('keras3');
    const out = path.join(root, 'nested', 'ours.weights.h5');
    await saveKerasWeights(model, out);
    expect((await fs.readdir(path.dirname(out))).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const again = fixtureModel(2);
    await loadKerasWeightsFile(again, out);
    model.weights.forEach((w, i) => {
      expect(Array.from(again.weights[i]!.read().dataSync())).toEqual(
        Array.from(w.read().dataSync()),
      );
    });
    model.dispose();
    again.dispose();
  });

  it('names a missing file, and refuses a name Keras would not load', async () => {
    const model = fixtureModel(1);
    const missing = path.join(root, 'nope.weights.h5');
    await expect(loadKerasWeightsFile(model, missing)).rejects.toThrow(
      new RegExp(`^${missing.replaceAll('.', '\\.')}: cannot read`),
    );
    await expect(saveKerasWeights(model, path.join(root, 'model.h5'))).rejects.toThrow(RangeError);
    model.dispose();
  });

  it('reads a .keras file’s config', async () => {
    const archive = await readKerasArchiveFile(path.join(fixtureDir, 'model.keras'));
    expect(archive.config).toMatchObject({ config: { name: 'densenet_classifier' } });
  });

  it.skipIf(keras.python === null)(
    `real Keras loads our .weights.h5 and gives its own predictions (skipped when ${keras.reason || 'Keras is missing'})`,
    async () => {
      const model = fixtureModel(1);
      await loadKerasWeightsFile(model, path.join(fixtureDir, 'model-legacy.h5'));
      const out = path.join(root, 'for-keras.weights.h5');
      await saveKerasWeights(model, out);
      model.dispose();
      const stdout = execFileSync(keras.python!, [script, '--check', out], {
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
      });
      const last = stdout.trim().split('\n').at(-1)!;
      const { maxAbsDifference } = JSON.parse(last) as { maxAbsDifference: number };
      expect(maxAbsDifference).toBeLessThan(1e-5);
    },
  );
});
