/**
 * DenseNet architecture descriptions: plain data, no TF.js.
 *
 * A variant fixes the number of bottleneck layers per dense block, the growth rate (channels each
 * bottleneck layer adds) and the stem's filter count. Transitions always halve the channels
 * (Keras's compression 0.5) and the bottleneck width is always 4 × growth rate, as in Keras.
 */

import { assertPositiveInteger } from './positive-integer.js';

/** Shape of a DenseNet: everything that changes between DenseNet-121/169/201 and our small ones. */
export interface DenseNetConfig {
  /** Bottleneck layers in each dense block; a transition sits between consecutive blocks. */
  readonly blocks: readonly number[];
  /** Channels each bottleneck layer adds (Keras: 32). */
  readonly growthRate: number;
  /** Filters of the 7×7/2 stem convolution (Keras: 64). */
  readonly initialFilters: number;
}

/** Named architectures: the three Keras ones and two small ones for tests and CPU training. */
export const DENSENET_PRESETS = {
  densenet121: { blocks: [6, 12, 24, 16], growthRate: 32, initialFilters: 64 },
  densenet169: { blocks: [6, 12, 32, 32], growthRate: 32, initialFilters: 64 },
  densenet201: { blocks: [6, 12, 48, 32], growthRate: 32, initialFilters: 64 },
  /** ~20k backbone parameters: unit tests and smoke runs on 16–64 px inputs. */
  tiny: { blocks: [2, 2, 2], growthRate: 8, initialFilters: 16 },
  /** ~0.2M backbone parameters: CPU training on 64–128 px inputs. */
  small: { blocks: [3, 6, 8, 4], growthRate: 12, initialFilters: 24 },
} as const satisfies Record<string, DenseNetConfig>;

export type DenseNetPresetName = keyof typeof DENSENET_PRESETS;

/**
 * A custom configuration written as one string, for places that hold a variant as text (a run's
 * config.json, a command-line flag): `blocks=1-1-1-1,growthRate=8,initialFilters=16`.
 */
export type DenseNetVariantSpec = `blocks=${string}`;

/** A preset's name, a custom configuration, or a custom configuration's spec string. */
export type DenseNetVariant = DenseNetPresetName | DenseNetConfig | DenseNetVariantSpec;

export const DENSENET_PRESET_NAMES = Object.keys(DENSENET_PRESETS) as DenseNetPresetName[];

function isPresetName(name: string): name is DenseNetPresetName {
  return Object.hasOwn(DENSENET_PRESETS, name);
}

/** Turns a preset name or custom configuration into a validated configuration. */
export function resolveVariant(variant: DenseNetVariant): DenseNetConfig {
  if (typeof variant === 'string' && variant.startsWith('blocks=')) {
    return resolveVariant(parseVariantSpec(variant));
  }
  if (typeof variant === 'string') {
    if (!isPresetName(variant)) {
      throw new RangeError(
        `DenseNet variant: unknown preset "${variant}", expected one of ${DENSENET_PRESET_NAMES.join(', ')} or { blocks, growthRate, initialFilters }`,
      );
    }
    return DENSENET_PRESETS[variant];
  }
  if (variant === null || typeof variant !== 'object') {
    throw new TypeError(
      `DenseNet variant: expected a preset name or an object, got ${String(variant)}`,
    );
  }
  if (!Array.isArray(variant.blocks) || variant.blocks.length === 0) {
    throw new RangeError('DenseNet variant: blocks must be a non-empty array of positive integers');
  }
  variant.blocks.forEach((count, i) => {
    assertPositiveInteger(count, `blocks[${i}]`, 'DenseNet variant');
  });
  assertPositiveInteger(variant.growthRate, 'growthRate', 'DenseNet variant');
  assertPositiveInteger(variant.initialFilters, 'initialFilters', 'DenseNet variant');
  return {
    blocks: [...variant.blocks],
    growthRate: variant.growthRate,
    initialFilters: variant.initialFilters,
  };
}

/** The first of `names` whose preset has exactly this configuration. */
function presetOf<N extends DenseNetPresetName>(
  config: DenseNetConfig,
  names: readonly N[],
): N | undefined {
  return names.find((name) => {
    const preset: DenseNetConfig = DENSENET_PRESETS[name];
    return (
      preset.growthRate === config.growthRate &&
      preset.initialFilters === config.initialFilters &&
      preset.blocks.length === config.blocks.length &&
      preset.blocks.every((count, i) => count === config.blocks[i])
    );
  });
}

/** The Keras model name for a configuration: densenet121/169/201 for the Keras block counts. */
export function kerasModelName(config: DenseNetConfig): string {
  return presetOf(config, ['densenet121', 'densenet169', 'densenet201'] as const) ?? 'densenet';
}

const SPEC_PATTERN = /^blocks=(\d+(?:-\d+)*),growthRate=(\d+),initialFilters=(\d+)$/;

function parseVariantSpec(spec: string): DenseNetConfig {
  const match = SPEC_PATTERN.exec(spec);
  if (!match) {
    throw new RangeError(
      `DenseNet variant: "${spec}" is not of the form blocks=6-12-24-16,growthRate=32,initialFilters=64`,
    );
  }
  return {
    blocks: match[1]!.split('-').map(Number),
    growthRate: Number(match[2]),
    initialFilters: Number(match[3]),
  };
}

/**
 * A variant as text: the preset's name when the configuration is a preset's, else its spec string
 * (`blocks=1-1-1-1,growthRate=8,initialFilters=16`), which resolveVariant reads back.
 */
export function variantName(variant: DenseNetVariant): DenseNetPresetName | DenseNetVariantSpec {
  const config = resolveVariant(variant);
  const name = presetOf(config, DENSENET_PRESET_NAMES);
  if (name) return name;
  return `blocks=${config.blocks.join('-')},growthRate=${config.growthRate},initialFilters=${config.initialFilters}`;
}
