import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kerasClassifierArchitecture } from './keras-model-config.js';
import { readKerasArchive } from './keras-weights.js';

const fixtureDir = fileURLToPath(new URL('../fixtures/keras-reference', import.meta.url));
const expected = JSON.parse(readFileSync(`${fixtureDir}/expected.json`, 'utf8'));
const config = () =>
  structuredClone(
    readKerasArchive(new Uint8Array(readFileSync(`${fixtureDir}/model.keras`))).config,
  ) as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };

function layerConfig(c: ReturnType<typeof config>, name: string): Record<string, unknown> {
  return c.config.layers.find((l) => l.config.name === name)!.config;
}

describe('kerasClassifierArchitecture', () => {
  it('reads the fixture’s variant, input size and head from its config.json', () => {
    expect(kerasClassifierArchitecture(config())).toEqual({
      variant: expected.config,
      inputShape: expected.inputShape,
      ...expected.head,
      dropoutRate: 0.5,
      name: 'densenet_classifier',
    });
  });

  it('finds the layers of a backbone nested as one layer', () => {
    const flat = config();
    const backbone = flat.config.layers.filter((l) => !String(l.config.name).startsWith('top_'));
    const head = flat.config.layers.filter((l) => String(l.config.name).startsWith('top_'));
    const nested = {
      ...flat,
      config: {
        ...flat.config,
        layers: [
          backbone[0]!,
          { class_name: 'Functional', config: { name: 'densenet', layers: backbone } },
          ...head,
        ],
      },
    };
    expect(kerasClassifierArchitecture(nested).variant).toEqual(expected.config);
  });

  it('names what differs from the architecture createClassifier builds', () => {
    const noHead = config();
    noHead.config.layers = noHead.config.layers.filter((l) => l.config.name !== 'top_conv2d');
    expect(() => kerasClassifierArchitecture(noHead, 'm.keras')).toThrow(
      /^m\.keras: no Conv2D layer named top_conv2d/,
    );
    const epsilon = config();
    layerConfig(epsilon, 'conv3_block1_0_bn').epsilon = 1e-3;
    expect(() => kerasClassifierArchitecture(epsilon)).toThrow(
      /layer "conv3_block1_0_bn" has BatchNormalization epsilon 0.001/,
    );
    const growth = config();
    layerConfig(growth, 'conv4_block1_2_conv').filters = 12;
    expect(() => kerasClassifierArchitecture(growth)).toThrow(
      /layer "conv4_block1_2_conv" has 12 filters where earlier blocks add 8/,
    );
    const activation = config();
    layerConfig(activation, 'top_pred').activation = 'softmax';
    expect(() => kerasClassifierArchitecture(activation)).toThrow(
      /Dense layer "top_pred" is not sigmoid/,
    );
    expect(() => kerasClassifierArchitecture([])).toThrow(/expected a JSON object/);
  });
});
