import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readKerasClassifierFile } from './keras-classifier-file.js';

const fixtureDir = fileURLToPath(new URL('../fixtures/keras-reference', import.meta.url));
// Written by fixtures/make-keras-reference.py from the Keras model itself.
const expected = JSON.parse(readFileSync(`${fixtureDir}/expected.json`, 'utf8')) as {
  config: unknown;
  inputShape: number[];
  head: { headFilters: number; denseUnits: number; numOutputs: number };
};

describe('readKerasClassifierFile', () => {
  it('reads the architecture of a .keras archive', async () => {
    const found = await readKerasClassifierFile(`${fixtureDir}/model.keras`);
    expect(found).not.toBeNull();
    expect(found!.architecture.variant).toEqual(expected.config);
    expect(found!.architecture.inputShape).toEqual(expected.inputShape);
    expect(found!.architecture.numOutputs).toBe(expected.head.numOutputs);
    expect(found!.architecture.headFilters).toBe(expected.head.headFilters);
    expect(found!.architecture.denseUnits).toBe(expected.head.denseUnits);
    expect(found!.metadata).toMatchObject({ keras_version: expect.any(String) });
  });

  it('returns null for weights-only HDF5 files', async () => {
    expect(await readKerasClassifierFile(`${fixtureDir}/model.weights.h5`)).toBeNull();
    expect(await readKerasClassifierFile(`${fixtureDir}/model-legacy.h5`)).toBeNull();
  });
});
