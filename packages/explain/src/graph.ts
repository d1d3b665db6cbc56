import type * as tf from '@tensorflow/tfjs';

/**
 * A small executor for the graph of a `tf.LayersModel`: it calls each layer's `apply` on concrete
 * tensors itself, so that (a) any symbolic tensor can be fed (Grad-CAM feeds the target layer's
 * activations and re-runs only what lies after it) and (b) stochastic behaviour is chosen per
 * layer (MC dropout turns on Dropout layers only; everything else, BatchNormalization included,
 * runs with `training: false` and never touches its moving statistics).
 *
 * It mirrors TF.js's own executor (`engine/executor`): layers receive the list of their input
 * values and the keyword argument `training`; masks are not propagated (conv classifiers have none).
 */

type Layer = tf.layers.Layer;
type SymbolicTensor = tf.SymbolicTensor;

/** Decides how a dropout layer behaves; returning `null` runs the layer in inference mode. */
export type DropoutOverride = (layer: Layer, input: tf.Tensor, path: string) => tf.Tensor | null;

export interface RunGraphOptions {
  /** Called for every Dropout / SpatialDropout1D layer; omitted: inference mode (identity). */
  dropout?: DropoutOverride;
  /**
   * Dispose intermediate values as soon as their last consumer has run. Must be false inside
   * `tf.grad`, whose tape still needs them.
   */
  disposeIntermediates?: boolean;
  /** Prefix of the layer paths handed to `dropout` (nested models extend it). */
  pathPrefix?: string;
}

/** Class names treated as dropout: both draw a Bernoulli mask scaled by 1 / (1 − rate). */
const DROPOUT_CLASS_NAMES = new Set(['Dropout', 'SpatialDropout1D']);

export function isDropoutLayer(layer: Layer): boolean {
  return DROPOUT_CLASS_NAMES.has(layer.getClassName());
}

/**
 * A layer that is itself a model (functional or sequential) used inside a bigger model. Checked
 * by shape rather than `instanceof`, which fails when two copies of TF.js are loaded.
 */
function isNestedModel(layer: Layer): layer is tf.LayersModel {
  const candidate = layer as Partial<tf.LayersModel>;
  return (
    Array.isArray(candidate.layers) &&
    Array.isArray(candidate.inputs) &&
    Array.isArray(candidate.outputs)
  );
}

function nodeOutputs(symbolic: SymbolicTensor): SymbolicTensor[] {
  const node = symbolic.sourceLayer.inboundNodes[symbolic.nodeIndex];
  if (node == null) {
    throw new Error(
      `graph: layer '${symbolic.sourceLayer.name}' has no inbound node ${symbolic.nodeIndex}`,
    );
  }
  return node.outputTensors;
}

/**
 * Symbolic tensors needed to compute `fetches` from `fedIds`, dependencies first. Fed tensors are
 * not listed; a model input that is needed but not fed is an error.
 */
export function topologicalOrder(
  fetches: readonly SymbolicTensor[],
  fedIds: ReadonlySet<number>,
): SymbolicTensor[] {
  const order: SymbolicTensor[] = [];
  const state = new Map<number, 'visiting' | 'done'>();
  // Iterative post-order DFS: DenseNet-201 is ~700 layers deep, recursion would be fine, but
  // an explicit stack keeps arbitrary graphs safe.
  const stack: { tensor: SymbolicTensor; expanded: boolean }[] = fetches.map((tensor) => ({
    tensor,
    expanded: false,
  }));
  stack.reverse();
  while (stack.length > 0) {
    const top = stack.pop()!;
    const { tensor } = top;
    if (fedIds.has(tensor.id) || state.get(tensor.id) === 'done') continue;
    if (top.expanded) {
      state.set(tensor.id, 'done');
      order.push(tensor);
      continue;
    }
    if (state.get(tensor.id) === 'visiting') {
      throw new Error(`graph: cycle through '${tensor.name}'`);
    }
    if (tensor.sourceLayer.getClassName() === 'InputLayer') {
      throw new Error(`graph: model input '${tensor.name}' is needed but was not fed`);
    }
    state.set(tensor.id, 'visiting');
    stack.push({ tensor, expanded: true });
    for (let i = tensor.inputs.length - 1; i >= 0; i--) {
      const input = tensor.inputs[i]!;
      if (!fedIds.has(input.id) && state.get(input.id) !== 'done') {
        stack.push({ tensor: input, expanded: false });
      }
    }
  }
  return order;
}

function applyLayer(
  layer: Layer,
  inputs: tf.Tensor[],
  path: string,
  options: RunGraphOptions,
): tf.Tensor[] {
  if (isNestedModel(layer)) {
    if (inputs.length !== layer.inputs.length) {
      throw new Error(
        `graph: nested model '${layer.name}' takes ${layer.inputs.length} input(s), got ${inputs.length}`,
      );
    }
    const feeds = new Map<number, tf.Tensor>();
    layer.inputs.forEach((input, i) => {
      feeds.set(input.id, inputs[i]!);
    });
    return runGraph(layer.outputs, feeds, { ...options, pathPrefix: `${path}/` });
  }
  if (options.dropout && isDropoutLayer(layer)) {
    if (inputs.length !== 1) {
      throw new Error(`graph: dropout layer '${layer.name}' expects 1 input, got ${inputs.length}`);
    }
    const replaced = options.dropout(layer, inputs[0]!, path);
    if (replaced != null) return [replaced];
  }
  const out = layer.apply(inputs, { training: false }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/**
 * Evaluates `fetches` given values for some symbolic tensors (at least the model inputs that the
 * fetches depend on). Returned tensors are new or fed ones; intermediates are disposed when
 * `disposeIntermediates` is set, otherwise left to the caller's `tf.tidy`.
 */
export function runGraph(
  fetches: readonly SymbolicTensor[],
  feeds: ReadonlyMap<number, tf.Tensor>,
  options: RunGraphOptions = {},
): tf.Tensor[] {
  const fedIds = new Set(feeds.keys());
  const order = topologicalOrder(fetches, fedIds);
  const values = new Map<number, tf.Tensor>(feeds);
  const keep = new Set<number>([...fedIds, ...fetches.map((f) => f.id)]);
  const remainingUses = new Map<number, number>();
  for (const tensor of order) {
    for (const input of tensor.inputs) {
      remainingUses.set(input.id, (remainingUses.get(input.id) ?? 0) + 1);
    }
  }
  const dispose = options.disposeIntermediates === true;
  const release = (id: number) => {
    if (keep.has(id) || (remainingUses.get(id) ?? 0) > 0) return;
    const value = values.get(id);
    if (value != null) {
      // A layer may return its input unchanged (inference-mode dropout): only dispose a value
      // that no other live entry shares.
      values.delete(id);
      let shared = false;
      for (const other of values.values()) {
        if (other === value) {
          shared = true;
          break;
        }
      }
      if (!shared) value.dispose();
    }
  };
  const prefix = options.pathPrefix ?? '';

  for (const tensor of order) {
    if (!values.has(tensor.id)) {
      const layer = tensor.sourceLayer;
      const inputs = tensor.inputs.map((input) => {
        const value = values.get(input.id);
        if (value == null) {
          throw new Error(`graph: value of '${input.name}' missing when applying '${layer.name}'`);
        }
        return value;
      });
      const outputs = applyLayer(
        layer,
        inputs,
        `${prefix}${layer.name}#${tensor.nodeIndex}`,
        options,
      );
      const symbolicOutputs = nodeOutputs(tensor);
      if (outputs.length !== symbolicOutputs.length) {
        throw new Error(
          `graph: layer '${layer.name}' returned ${outputs.length} tensor(s), its node has ${symbolicOutputs.length}`,
        );
      }
      symbolicOutputs.forEach((symbolic, i) => {
        if (!values.has(symbolic.id)) values.set(symbolic.id, outputs[i]!);
      });
      if (dispose) {
        // Sibling outputs nobody consumes (multi-output layers) are released at once.
        symbolicOutputs.forEach((symbolic) => {
          if (symbolic.id !== tensor.id) release(symbolic.id);
        });
      }
    }
    for (const input of tensor.inputs) {
      remainingUses.set(input.id, remainingUses.get(input.id)! - 1);
      if (dispose) release(input.id);
    }
    if (dispose) release(tensor.id);
  }

  return fetches.map((fetch) => {
    const value = values.get(fetch.id);
    if (value == null) throw new Error(`graph: fetch '${fetch.name}' was not computed`);
    return value;
  });
}
