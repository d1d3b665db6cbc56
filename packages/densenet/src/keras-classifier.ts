/**
 * A Keras DenseNet classifier's architecture ↔ createClassifier's settings: checking what a caller
 * asked for against what a Keras file holds, and describing the Keras model that matches a
 * classifier. Plain data in, plain data out, no TF.js, no I/O.
 */

import type { ImageShape } from './densenet.js';
import { HEAD_DEFAULTS } from './head-defaults.js';
import type { KerasClassifierArchitecture } from './keras-model-config.js';
import { HEAD_LAYER_NAMES } from './layer-names.js';
import { assertPositiveInteger } from './positive-integer.js';
import {
  type DenseNetPresetName,
  type DenseNetVariant,
  type DenseNetVariantSpec,
  resolveVariant,
  variantName,
} from './variants.js';

/** Settings a caller asked for (command-line flags, a config file); each must agree with the file. */
export interface KerasClassifierRequest {
  /** Side of the square input; required when the Keras model takes any size. */
  imageSize?: number;
  variant?: DenseNetVariant;
  headFilters?: number;
  denseUnits?: number;
}

export interface ClassifierFromKerasOptions {
  /** The Keras model in messages, e.g. its file name (default "the Keras model"). */
  where?: string;
  /**
   * How messages name each requested field; default the field's own name. A command line passes
   * its flags (`{ imageSize: '--image-size' }`) so that the message names what the user typed.
   */
  fieldNames?: Partial<Record<keyof KerasClassifierRequest, string>>;
}

/** What createClassifier needs to rebuild the Keras classifier, checked against the request. */
export interface KerasClassifierSettings {
  /** The variant as text (`variantName`): a preset's name or a `blocks=…` spec. */
  variant: DenseNetPresetName | DenseNetVariantSpec;
  /** Side of the square input: the file's, or the requested one when the file takes any size. */
  imageSize: number;
  headFilters: number;
  denseUnits: number;
  numOutputs: number;
  /** The Keras model's dropout rate (createClassifier's default is 0.5). */
  dropoutRate: number;
  /** Things worth telling the user that are not errors (a dropout rate other than 0.5). */
  notes: string[];
}

/**
 * Checks a Keras DenseNet classifier's architecture (from `kerasClassifierArchitecture` or
 * `readKerasClassifierFile`) against what a caller asked for, and returns the settings of the
 * same classifier for createClassifier:
 *
 * - the input must be square and 3-channel (createClassifier builds RGB models on square images):
 *   a RangeError naming `where` and the Keras shape otherwise;
 * - a requested image size, variant, head filters or dense units that differs from the file is a
 *   RangeError naming the field, `where` and both values
 *   (`imageSize 64 contradicts model.keras, which has 32`); variants compare by configuration, so
 *   `densenet121` agrees with `blocks=6-12-24-16,growthRate=32,initialFilters=64`;
 * - a Keras model that takes any size needs `requested.imageSize` (RangeError otherwise);
 * - a dropout rate other than 0.5 is returned (`dropoutRate`) and gets a note.
 *
 * A requested number that is not a positive integer is a RangeError (TypeError when not a
 * number), and a malformed requested variant is resolveVariant's RangeError. The label set of
 * `numOutputs` is the caller's (e.g. @cihmlc/taxonomy's `labelSetForOutputs`).
 */
export function classifierFromKeras(
  architecture: KerasClassifierArchitecture,
  requested: KerasClassifierRequest = {},
  options: ClassifierFromKerasOptions = {},
): KerasClassifierSettings {
  if (typeof architecture !== 'object' || architecture === null) {
    throw new TypeError(
      `classifierFromKeras: architecture must be a KerasClassifierArchitecture, got ${String(architecture)}`,
    );
  }
  const where = options.where ?? 'the Keras model';
  const name = (field: keyof KerasClassifierRequest) => options.fieldNames?.[field] ?? field;
  const assertOptional = (value: unknown, field: string) => {
    if (value !== undefined) assertPositiveInteger(value, field, 'classifierFromKeras');
  };
  assertOptional(requested.imageSize, name('imageSize'));
  assertOptional(requested.headFilters, name('headFilters'));
  assertOptional(requested.denseUnits, name('denseUnits'));
  const requestedVariant =
    requested.variant === undefined ? undefined : variantName(requested.variant);

  const agree = (field: keyof KerasClassifierRequest, has: number | string) => {
    const asked = field === 'variant' ? requestedVariant : requested[field];
    if (asked !== undefined && asked !== has) {
      // The variant as the caller wrote it when it is text, else as text.
      const shown = typeof requested[field] === 'object' ? asked : requested[field];
      throw new RangeError(
        `${name(field)} ${String(shown)} contradicts ${where}, which has ${has}`,
      );
    }
  };

  let imageSize: number;
  if (architecture.inputShape) {
    const [height, width, channels] = architecture.inputShape;
    if (height !== width) {
      throw new RangeError(
        `${where} takes ${height}×${width} images; createClassifier builds models on square images`,
      );
    }
    if (channels !== 3) {
      throw new RangeError(
        `${where} takes ${channels}-channel images; createClassifier builds models on RGB (3-channel) images`,
      );
    }
    agree('imageSize', height);
    imageSize = height;
  } else if (requested.imageSize === undefined) {
    throw new RangeError(`${where} takes any image size: pass ${name('imageSize')}`);
  } else {
    imageSize = requested.imageSize;
  }
  const variant = variantName(architecture.variant);
  agree('variant', variant);
  agree('headFilters', architecture.headFilters);
  agree('denseUnits', architecture.denseUnits);

  const notes: string[] = [];
  if (architecture.dropoutRate !== HEAD_DEFAULTS.dropoutRate) {
    notes.push(
      `${where} has dropout rate ${architecture.dropoutRate}; a model built with createClassifier's default ${HEAD_DEFAULTS.dropoutRate} gives other MC-dropout spreads`,
    );
  }
  return {
    variant,
    imageSize,
    headFilters: architecture.headFilters,
    denseUnits: architecture.denseUnits,
    numOutputs: architecture.numOutputs,
    dropoutRate: architecture.dropoutRate,
    notes,
  };
}

/** The parts of createClassifier's options that fix the Keras model's shape. */
export interface KerasClassifierShape {
  variant: DenseNetVariant;
  inputShape: ImageShape;
  numOutputs: number;
  /** Default 512, as in createClassifier. */
  headFilters?: number;
  /** Default 128, as in createClassifier. */
  denseUnits?: number;
}

/**
 * One line saying how to build, in Keras, the model whose weights `encodeKerasWeights` /
 * `saveKerasWeights` write for a classifier of these options:
 * `a DenseNet with blocks [1,1,1,1], growth 8, stem 16 on 32×32×3 + top_conv2d(8) top_bn
 * top_gap2d top_dense(6) top_dropout top_pred(14)`.
 */
export function describeKerasClassifier(shape: KerasClassifierShape): string {
  const { blocks, growthRate, initialFilters } = resolveVariant(shape.variant);
  const [height, width, channels] = shape.inputShape;
  const head = HEAD_LAYER_NAMES;
  return `a DenseNet with blocks ${JSON.stringify(blocks)}, growth ${growthRate}, stem ${initialFilters} on ${height}×${width}×${channels} + ${head.conv}(${shape.headFilters ?? HEAD_DEFAULTS.headFilters}) ${head.batchNorm} ${head.pool} ${head.dense}(${shape.denseUnits ?? HEAD_DEFAULTS.denseUnits}) ${head.dropout} ${head.predictions}(${shape.numOutputs})`;
}
