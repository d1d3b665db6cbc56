/**
 * A Keras model's config.json (from a `.keras` archive) → the createClassifier options of the same
 * architecture: plain data in, plain data out, no TF.js.
 */

import { DENSENET_BN_EPSILON } from './blocks.js';
import type { ImageShape } from './densenet.js';
import type { DenseNetConfig } from './variants.js';

/** What createClassifier needs to rebuild a Keras DenseNet classifier with the paper's head. */
export interface KerasClassifierArchitecture {
  variant: DenseNetConfig;
  /** [height, width, channels] of the input, or null when the Keras model takes any size. */
  inputShape: ImageShape | null;
  numOutputs: number;
  headFilters: number;
  denseUnits: number;
  dropoutRate: number;
  /** The Keras model's name. */
  name: string | null;
}

interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every layer of a functional model, nested models' layers in place of the nested model. */
function flattenLayers(model: Record<string, unknown>, where: string): KerasLayer[] {
  const config = model.config;
  if (!isRecord(config) || !Array.isArray(config.layers)) {
    throw new Error(
      `${where}: expected a functional model (config.layers), got class ${String(model.class_name)}`,
    );
  }
  return config.layers.flatMap((layer: unknown, i: number): KerasLayer[] => {
    if (!isRecord(layer) || typeof layer.class_name !== 'string' || !isRecord(layer.config)) {
      throw new Error(`${where}: config.layers[${i}] is not a Keras layer`);
    }
    if (Array.isArray(layer.config.layers)) return flattenLayers(layer, where);
    const name = layer.config.name;
    return [
      {
        className: layer.class_name,
        name: typeof name === 'string' ? name : '',
        config: layer.config,
      },
    ];
  });
}

function positiveInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${where}: expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function sameSize(value: unknown, size: number): boolean {
  return Array.isArray(value) ? value.every((v) => v === size) : value === size;
}

/**
 * Reads the architecture of a Keras DenseNet classifier with the paper's head from its config.json:
 * the block counts, growth rate and stem filters from the backbone's layer names and filters, the
 * head's sizes from `top_conv2d`, its two Dense layers and its Dropout. Anything that createClassifier
 * would build differently (another head, BatchNormalization epsilon, kernel sizes, activations) is
 * an error naming the layer, so a model that loads also computes what Keras computes.
 */
export function kerasClassifierArchitecture(
  modelConfig: unknown,
  file = 'config.json',
): KerasClassifierArchitecture {
  if (!isRecord(modelConfig)) throw new Error(`${file}: expected a JSON object`);
  const layers = flattenLayers(modelConfig, file);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const fail = (message: string): never => {
    throw new Error(`${file}: ${message} (expected a Keras DenseNet with the paper's head)`);
  };
  const layer = (names: string[], className: string): KerasLayer => {
    const found = names.map((n) => byName.get(n)).find((l) => l !== undefined);
    if (!found) return fail(`no ${className} layer named ${names.join(' or ')}`);
    if (found.className !== className) {
      return fail(`layer "${found.name}" is a ${found.className}, not a ${className}`);
    }
    return found;
  };

  // Input size.
  const input = layers.find((l) => l.className === 'InputLayer');
  const batchShape = input?.config.batch_shape ?? input?.config.batch_input_shape;
  let inputShape: ImageShape | null = null;
  if (Array.isArray(batchShape) && batchShape.length === 4) {
    const [, h, w, c] = batchShape as unknown[];
    if (typeof c !== 'number')
      fail(`input layer "${input!.name}" has no channel count (channels last)`);
    inputShape = typeof h === 'number' && typeof w === 'number' ? [h, w, c as number] : null;
  }

  // Backbone.
  const stem = layer(['conv1_conv', 'conv1/conv'], 'Conv2D');
  const initialFilters = positiveInteger(
    stem.config.filters,
    `${file}: layer "${stem.name}" filters`,
  );
  const stages = new Map<number, number>();
  let growthRate: number | null = null;
  for (const l of layers) {
    const match = /^conv(\d+)_block(\d+)_2_conv$/.exec(l.name);
    if (!match) continue;
    const stage = Number(match[1]);
    stages.set(stage, Math.max(stages.get(stage) ?? 0, Number(match[2])));
    const filters = positiveInteger(l.config.filters, `${file}: layer "${l.name}" filters`);
    if (growthRate !== null && filters !== growthRate) {
      fail(`layer "${l.name}" has ${filters} filters where earlier blocks add ${growthRate}`);
    }
    growthRate = filters;
    const bottleneck = byName.get(l.name.replace(/_2_conv$/, '_1_conv'));
    if (bottleneck?.config.filters !== 4 * filters) {
      fail(
        `layer "${l.name.replace(/_2_conv$/, '_1_conv')}" is not a bottleneck of 4 × ${filters} filters`,
      );
    }
  }
  if (growthRate === null) fail('no dense-block layers (convN_blockM_2_conv)');
  const blocks: number[] = [];
  for (let stage = 2; stages.has(stage); stage++) blocks.push(stages.get(stage)!);
  if (blocks.length !== stages.size) {
    fail(`dense blocks are not numbered conv2, conv3, … (found ${[...stages.keys()].join(', ')})`);
  }
  for (const l of layers) {
    if (l.className === 'BatchNormalization' && !l.name.startsWith('top_')) {
      const epsilon = l.config.epsilon;
      if (typeof epsilon !== 'number' || Math.abs(epsilon - DENSENET_BN_EPSILON) > 1e-12) {
        fail(
          `layer "${l.name}" has BatchNormalization epsilon ${String(epsilon)}, not ${DENSENET_BN_EPSILON}`,
        );
      }
    }
  }

  // Head.
  const conv = layer(['top_conv2d'], 'Conv2D');
  if (
    !sameSize(conv.config.kernel_size, 3) ||
    conv.config.padding !== 'same' ||
    conv.config.activation !== 'relu'
  ) {
    fail(`layer "top_conv2d" is not a 3×3 same-padded ReLU convolution`);
  }
  const headBn = layer(['top_bn'], 'BatchNormalization');
  if (typeof headBn.config.epsilon !== 'number' || Math.abs(headBn.config.epsilon - 1e-3) > 1e-12) {
    fail(`layer "top_bn" has epsilon ${String(headBn.config.epsilon)}, not Keras's default 0.001`);
  }
  layer(['top_gap2d', 'top_avg_pool'], 'GlobalAveragePooling2D');
  const dense = layers.filter((l) => l.className === 'Dense');
  if (dense.length !== 2) fail(`${dense.length} Dense layers where the head has 2`);
  const [hidden, output] = dense as [KerasLayer, KerasLayer];
  if (hidden.config.activation !== 'relu') fail(`Dense layer "${hidden.name}" is not ReLU`);
  if (output.config.activation !== 'sigmoid') fail(`Dense layer "${output.name}" is not sigmoid`);
  const dropout = layers.find((l) => l.className === 'Dropout');
  if (!dropout) fail('no Dropout layer in the head');
  const rate = dropout!.config.rate;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    fail(`Dropout layer "${dropout!.name}" has rate ${String(rate)}`);
  }
  const modelName = isRecord(modelConfig.config) ? modelConfig.config.name : undefined;
  return {
    variant: { blocks, growthRate: growthRate!, initialFilters },
    inputShape,
    numOutputs: positiveInteger(output.config.units, `${file}: layer "${output.name}" units`),
    headFilters: positiveInteger(conv.config.filters, `${file}: layer "top_conv2d" filters`),
    denseUnits: positiveInteger(hidden.config.units, `${file}: layer "${hidden.name}" units`),
    dropoutRate: rate as number,
    name: typeof modelName === 'string' ? modelName : null,
  };
}
