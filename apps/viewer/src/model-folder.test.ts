import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@cihmlc/densenet/node';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkModelFits, parseModelInfo } from './model-folder.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../e2e/fixture-model');
const manifest = () => JSON.parse(fs.readFileSync(path.join(fixture, 'cihmlc-model.json'), 'utf8'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('parseModelInfo', () => {
  it("reads the fixture's export manifest", () => {
    const info = parseModelInfo(manifest(), '/m/');
    expect(info.labels).toHaveLength(21);
    expect(info.inputShape).toEqual([32, 32, 3]);
    expect(info.gradCamLayer).toBe('top_conv2d');
    expect(info.mcDropout.samples).toBe(5);
  });

  it('names what does not match', () => {
    expect(() => parseModelInfo({ ...manifest(), format: 'other' }, '/m/')).toThrow(
      /The model folder \/m\/ does not match: .*format "other"/,
    );
    expect(() => parseModelInfo({ ...manifest(), labels: ['a'] }, '/m/')).toThrow(
      /taxonomy's outputs are not the labels/,
    );
    expect(() => parseModelInfo({ ...manifest(), inputShape: [32, 32, 1] }, '/m/')).toThrow(
      /inputShape must be \[height, width, 3\]/,
    );
  });
});

describe('checkModelFits', () => {
  it('accepts the fixture and refuses a manifest of another input size', async () => {
    const model = await loadModel(fixture);
    expect(() => checkModelFits(model, parseModelInfo(manifest(), '/m/'), '/m/')).not.toThrow();
    const other = parseModelInfo({ ...manifest(), inputShape: [64, 64, 3] }, '/m/');
    expect(() => checkModelFits(model, other, '/m/')).toThrow(
      /model\.json takes \[batch, 32, 32, 3\] but cihmlc-model\.json says \[64, 64, 3\]/,
    );
    const noCam = { ...parseModelInfo(manifest(), '/m/'), gradCamLayer: 'nope' };
    expect(() => checkModelFits(model, noCam, '/m/')).toThrow(/no layer nope for Grad-CAM/);
    model.dispose();
  });
});
