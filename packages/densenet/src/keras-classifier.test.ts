import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifierFromKeras, describeKerasClassifier } from './keras-classifier.js';
import { kerasClassifierArchitecture } from './keras-model-config.js';
import { readKerasArchive } from './keras-weights.js';

// model.keras: the DenseNet (blocks [1, 1, 1, 1], growth 8, stem 16) with the authors' head that
// fixtures/make-keras-reference.py saved with real Keras 3; expected.json is what Keras said of it.
const fixtureDir = fileURLToPath(new URL('../fixtures/keras-reference', import.meta.url));
const expected = JSON.parse(readFileSync(`${fixtureDir}/expected.json`, 'utf8')) as {
  config: { blocks: number[]; growthRate: number; initialFilters: number };
  inputShape: [number, number, number];
  head: { headFilters: number; denseUnits: number; numOutputs: number };
};
const SPEC = 'blocks=1-1-1-1,growthRate=8,initialFilters=16' as const;

type KerasConfig = {
  config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> };
};
const kerasConfig = () =>
  structuredClone(
    readKerasArchive(new Uint8Array(readFileSync(`${fixtureDir}/model.keras`))).config,
  ) as KerasConfig;

/** The fixture's architecture, with the Keras config edited first (as Keras would write it). */
function architecture(edit: (config: KerasConfig) => void = () => {}) {
  const config = kerasConfig();
  edit(config);
  return kerasClassifierArchitecture(config, 'model.keras');
}

/** Keras writes `batch_shape: [null, h, w, c]`, with null for a free axis (checked with Keras 3.15). */
const withInput = (shape: (number | null)[]) => (config: KerasConfig) => {
  const input = config.config.layers.find((l) => l.class_name === 'InputLayer')!;
  input.config.batch_shape = [null, ...shape];
};
const withDropout = (rate: number) => (config: KerasConfig) => {
  config.config.layers.find((l) => l.class_name === 'Dropout')!.config.rate = rate;
};

describe('classifierFromKeras', () => {
  it('gives the fixture’s settings, which agree with what Keras built', () => {
    const settings = classifierFromKeras(architecture());
    expect(settings).toEqual({
      variant: SPEC,
      imageSize: expected.inputShape[0],
      headFilters: expected.head.headFilters,
      denseUnits: expected.head.denseUnits,
      numOutputs: expected.head.numOutputs,
      dropoutRate: 0.5,
      notes: [],
    });
    // Asking for what the file has is no contradiction, the variant by text or by configuration.
    for (const variant of [SPEC, expected.config] as const) {
      expect(
        classifierFromKeras(architecture(), {
          imageSize: 32,
          variant,
          headFilters: expected.head.headFilters,
          denseUnits: expected.head.denseUnits,
        }),
      ).toEqual(settings);
    }
  });

  it('names the field, the file and both values for each contradiction', () => {
    const arch = architecture();
    const cases: [Parameters<typeof classifierFromKeras>[1], string][] = [
      [{ imageSize: 64 }, 'imageSize 64 contradicts model.keras, which has 32'],
      [{ variant: 'tiny' }, `variant tiny contradicts model.keras, which has ${SPEC}`],
      [
        { variant: { blocks: [1, 1, 1], growthRate: 8, initialFilters: 16 } },
        `variant blocks=1-1-1,growthRate=8,initialFilters=16 contradicts model.keras, which has ${SPEC}`,
      ],
      [{ headFilters: 512 }, 'headFilters 512 contradicts model.keras, which has 8'],
      [{ denseUnits: 128 }, 'denseUnits 128 contradicts model.keras, which has 6'],
    ];
    for (const [requested, message] of cases) {
      const call = () => classifierFromKeras(arch, requested, { where: 'model.keras' });
      expect(call).toThrow(RangeError);
      expect(call).toThrow(message);
    }
    // A caller's own names for the fields (a CLI's flags).
    expect(() =>
      classifierFromKeras(
        arch,
        { imageSize: 64 },
        { where: 'model.keras', fieldNames: { imageSize: '--image-size' } },
      ),
    ).toThrow(/^--image-size 64 contradicts model\.keras, which has 32$/);
    expect(() => classifierFromKeras(arch, { denseUnits: 128 })).toThrow(
      /^denseUnits 128 contradicts the Keras model, which has 6$/,
    );
  });

  it('takes the requested size for a Keras model of any size, and requires one', () => {
    const any = architecture(withInput([null, null, 3]));
    expect(any.inputShape).toBeNull();
    expect(classifierFromKeras(any, { imageSize: 64 }).imageSize).toBe(64);
    const call = () =>
      classifierFromKeras(any, {}, { where: 'm.keras', fieldNames: { imageSize: '--image-size' } });
    expect(call).toThrow(RangeError);
    expect(call).toThrow(/^m\.keras takes any image size: pass --image-size$/);
  });

  it('rejects a non-square or non-RGB input naming the file and the Keras shape', () => {
    const wide = () =>
      classifierFromKeras(architecture(withInput([32, 16, 3])), {}, { where: 'm.keras' });
    expect(wide).toThrow(RangeError);
    expect(wide).toThrow(/^m\.keras takes 32×16 images; createClassifier builds models on square/);
    const grey = () =>
      classifierFromKeras(architecture(withInput([32, 32, 1])), {}, { where: 'm.keras' });
    expect(grey).toThrow(RangeError);
    expect(grey).toThrow(/^m\.keras takes 1-channel images; createClassifier builds models on RGB/);
  });

  it('keeps another dropout rate and says so in a note', () => {
    const settings = classifierFromKeras(architecture(withDropout(0.3)), {}, { where: 'm.keras' });
    expect(settings.dropoutRate).toBe(0.3);
    expect(settings.notes).toEqual([
      "m.keras has dropout rate 0.3; a model built with createClassifier's default 0.5 gives other MC-dropout spreads",
    ]);
  });

  it('rejects requested values that are not settings, naming the field', () => {
    const arch = architecture();
    const cases: [unknown, ErrorConstructor, RegExp][] = [
      [
        { imageSize: 0 },
        RangeError,
        /classifierFromKeras: imageSize must be a positive integer, got 0/,
      ],
      [{ headFilters: 1.5 }, RangeError, /headFilters must be a positive integer, got 1\.5/],
      [{ denseUnits: '6' }, TypeError, /denseUnits must be a positive integer, got 6/],
      [{ variant: 'densenet99' }, RangeError, /unknown preset "densenet99"/],
    ];
    for (const [requested, type, message] of cases) {
      const call = () => classifierFromKeras(arch, requested as never);
      expect(call).toThrow(type);
      expect(call).toThrow(message);
    }
    expect(() =>
      classifierFromKeras(
        arch,
        { imageSize: Number.NaN },
        { fieldNames: { imageSize: '--image-size' } },
      ),
    ).toThrow(/--image-size must be a positive integer, got NaN/);
    expect(() => classifierFromKeras(null as never)).toThrow(TypeError);
  });
});

/** createClassifier's shape options for the fixture, from classifierFromKeras. */
function classifierFromKerasShape() {
  const s = classifierFromKeras(architecture());
  return { ...s, inputShape: [s.imageSize, s.imageSize, 3] as const };
}

describe('describeKerasClassifier', () => {
  it('spells out the Keras model of a classifier configuration', () => {
    expect(
      describeKerasClassifier({
        variant: SPEC,
        inputShape: [32, 32, 3],
        numOutputs: 14,
        headFilters: 8,
        denseUnits: 6,
      }),
    ).toBe(
      'a DenseNet with blocks [1,1,1,1], growth 8, stem 16 on 32×32×3 + top_conv2d(8) top_bn top_gap2d top_dense(6) top_dropout top_pred(14)',
    );
    // The head as the fixture's Keras model has it: its last six layers, names and sizes in order.
    const head = kerasConfig()
      .config.layers.slice(-6)
      .map((l) => `${l.config.name}${l.config.filters ?? l.config.units ?? ''}`);
    const described = describeKerasClassifier(classifierFromKerasShape())
      .split(' + ')[1]!
      .split(' ')
      .map((part) => part.replace(/\((\d+)\)$/, '$1'));
    expect(described).toEqual(head);
    // createClassifier's defaults, and a preset by name.
    expect(
      describeKerasClassifier({
        variant: 'densenet121',
        inputShape: [320, 320, 3],
        numOutputs: 21,
      }),
    ).toBe(
      'a DenseNet with blocks [6,12,24,16], growth 32, stem 64 on 320×320×3 + top_conv2d(512) top_bn top_gap2d top_dense(128) top_dropout top_pred(21)',
    );
  });
});
