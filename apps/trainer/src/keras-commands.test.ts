import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClassifier } from '@cihmlc/densenet';
import { loadKerasWeightsFile, loadWeights } from '@cihmlc/densenet/node';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './commands.js';

// The Keras 3 model that @cihmlc/densenet's fixture script made with real Keras (a DenseNet with
// blocks [1, 1, 1, 1] and the authors' head, 14 outputs), and Keras's predictions for fixed inputs.
// That real Keras reads what saveKerasWeights writes is checked in @cihmlc/densenet's tests.
const kerasDir = fileURLToPath(
  new URL('../../../packages/densenet/fixtures/keras-reference', import.meta.url),
);
const expected = JSON.parse(fs.readFileSync(path.join(kerasDir, 'expected.json'), 'utf8'));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-keras-'));
const SMALL = ['--patients', '40', '--mc-samples', '3', '--backend', 'wasm'];

async function cli(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  await runCli(args, { cwd: work, log: (l) => lines.push(l) });
  return lines;
}

/** The fixture script's inputs: ((k · 2654435761) mod 2³²) / 2³² · (i + 1) / batch for image i. */
function fixtureInputs(): tf.Tensor4D {
  const [batch, h, w, c] = expected.inputBatchShape as [number, number, number, number];
  const values = new Float32Array(batch * h * w * c);
  for (let k = 0; k < values.length; k++) {
    const hashed = Number((BigInt(k) * 2654435761n) % 4294967296n) / 4294967296;
    values[k] = hashed * ((Math.floor(k / (h * w * c)) + 1) / batch);
  }
  return tf.tensor4d(values, [batch, h, w, c]);
}

function fixtureModel(): tf.LayersModel {
  return createClassifier({
    variant: expected.config,
    inputShape: expected.inputShape,
    ...expected.head,
  });
}

function maxAbsDifference(model: tf.LayersModel): number {
  return tf.tidy(() => {
    const values = (model.predict(fixtureInputs()) as tf.Tensor).dataSync();
    return (expected.predictions as number[]).reduce(
      (m, v, i) => Math.max(m, Math.abs(values[i]! - v)),
      0,
    );
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('import-keras and export --keras', () => {
  const runDir = path.join(work, 'runs/keras');

  beforeAll(async () => {
    await cli([
      'import-keras',
      path.join(kerasDir, 'model.keras'),
      '--out',
      'runs/keras',
      ...SMALL,
    ]);
  });

  it('makes a run folder whose config describes the Keras model', () => {
    const config = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      variant: 'blocks=1-1-1-1,growthRate=8,initialFilters=16',
      imageSize: 32,
      headFilters: expected.head.headFilters,
      denseUnits: expected.head.denseUnits,
      labelSet: 'flat14',
      penalty: 'none',
    });
    const note = JSON.parse(fs.readFileSync(path.join(runDir, 'keras-import.json'), 'utf8'));
    expect(note).toMatchObject({
      layout: 'keras3',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(note.outputLabels).toHaveLength(14);
  });

  it('its checkpoint gives Keras’s predictions within 1e-5', async () => {
    const model = fixtureModel();
    expect(maxAbsDifference(model)).toBeGreaterThan(1e-2);
    await loadWeights(model, path.join(runDir, 'checkpoints/best-loss'));
    expect(maxAbsDifference(model)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('evaluate, predict and explain run on the imported model', async () => {
    const lines = await cli([
      'evaluate',
      '--run',
      'runs/keras',
      '--split',
      'valid',
      '--out',
      'eval',
    ]);
    expect(lines.join('\n')).toMatch(/valid: weighted AUROC/);
    expect(fs.existsSync(path.join(work, 'eval/report.md'))).toBe(true);
    const testDir = path.join(work, '.cache/cihmlc/synthetic-40/test');
    const image = path.join(testDir, fs.readdirSync(testDir)[0]!, 'study1/view1_frontal.jpg');
    await cli(['predict', '--run', 'runs/keras', '--out', 'pred.json', image]);
    const result = JSON.parse(fs.readFileSync(path.join(work, 'pred.json'), 'utf8'));
    expect(Object.keys(result.images[0].probabilities)).toHaveLength(14);
    await cli(['explain', '--run', 'runs/keras', '--out', 'explained', image]);
    expect(fs.existsSync(path.join(work, 'explained/image-01-gradcam-grid.png'))).toBe(true);
  });

  it('export --keras writes a .weights.h5 that loads back with Keras’s predictions', async () => {
    await cli(['export', '--keras', '--run', 'runs/keras', '--out', 'out/model.weights.h5']);
    const file = path.join(work, 'out/model.weights.h5');
    const model = fixtureModel();
    await loadKerasWeightsFile(model, file);
    expect(maxAbsDifference(model)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('imports a weights-only file given the architecture flags, and says which are missing', async () => {
    const file = path.join(kerasDir, 'model.weights.h5');
    await expect(cli(['import-keras', file, '--out', 'runs/w'])).rejects.toThrow(
      /weights-only file: pass --variant, --image-size and --label-set/,
    );
    await cli([
      'import-keras',
      path.join(kerasDir, 'model-legacy.h5'),
      '--out',
      'runs/w',
      '--variant',
      'blocks=1-1-1-1,growthRate=8,initialFilters=16',
      '--image-size',
      '32',
      '--label-set',
      'flat14',
      '--head-filters',
      String(expected.head.headFilters),
      '--dense-units',
      String(expected.head.denseUnits),
      ...SMALL,
    ]);
    const model = fixtureModel();
    await loadWeights(model, path.join(work, 'runs/w/checkpoints/best-auroc'));
    expect(maxAbsDifference(model)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('names a flag that contradicts the Keras model, and a wrong head size', async () => {
    const file = path.join(kerasDir, 'model.keras');
    await expect(
      cli(['import-keras', file, '--out', 'runs/x', '--image-size', '64']),
    ).rejects.toThrow(/--image-size 64 contradicts .*model\.keras, which has 32/);
    await expect(
      cli(['import-keras', file, '--out', 'runs/x', '--label-set', 'hierarchical21']),
    ).rejects.toThrow(/has 14 outputs but label set hierarchical21 has 21/);
    await expect(
      cli([
        'import-keras',
        path.join(kerasDir, 'model.weights.h5'),
        '--out',
        'runs/y',
        '--variant',
        'blocks=1-1-1-1,growthRate=8,initialFilters=16',
        '--image-size',
        '32',
        '--label-set',
        'flat14',
      ]),
    ).rejects.toThrow(
      /model\.weights\.h5: weight "top_conv2d\/vars\/0" has shape \[3, 3, 17, 8\] but model weight "top_conv2d\/kernel" needs \[3, 3, 17, 512\]/,
    );
    expect(fs.existsSync(path.join(work, 'runs/y/config.json'))).toBe(false);
    // Without --keras, export writes the TF.js layers folder for browsers (apps/viewer).
    await cli(['export', '--run', 'runs/keras', '--out', 'tfjs-export']);
    expect(fs.existsSync(path.join(work, 'tfjs-export/model.json'))).toBe(true);
    expect(fs.existsSync(path.join(work, 'tfjs-export/cihmlc-model.json'))).toBe(true);
    await expect(
      cli(['export', '--keras', '--run', 'runs/keras', '--out', 'x.h5']),
    ).rejects.toThrow(/must end in \.weights\.h5/);
  });
});
