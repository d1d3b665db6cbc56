import { GRADCAM_LAYER_NAME } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import { runGraph, topologicalOrder } from './graph.js';
import { asImageBatch, checkOutputLabels, singleInputOutput } from './model-checks.js';

export interface GradCamOptions {
  /** One output to explain: index, or a name from `outputLabels`. */
  label?: number | string;
  /** Several outputs, explained in one pass. Neither `label` nor `labels`: every output. */
  labels?: readonly (number | string)[];
  /** Names of the model outputs, in order; used for string labels and in the results. */
  outputLabels?: readonly string[];
  /** Convolution whose activations are explained (default @cihmlc/densenet's `GRADCAM_LAYER_NAME`, `top_conv2d`). */
  layerName?: string;
  /** Normalised values below this are set to 0 (default 0.5; 0 keeps the whole map). */
  clip?: number;
}

export interface GradCamResult {
  /** Output index. */
  label: number;
  /** `outputLabels[label]` when names were given. */
  name?: string;
  /**
   * Row-major heatmap, `width × height` (the image size), values in [0, 1]: 0 or ≥ `clip`,
   * maximum 1 unless the map is all zero.
   */
  heatmap: Float32Array;
  width: number;
  height: number;
  /** The model's output for this label (inference mode). */
  probability: number;
  /** Pixel with the largest heatmap value (first in row-major order); null for an all-zero map. */
  peak: { x: number; y: number } | null;
}

function resolveLabels(options: GradCamOptions, numOutputs: number): number[] {
  const names = checkOutputLabels(options.outputLabels, numOutputs, 'gradCam');
  if (options.label != null && options.labels != null) {
    throw new RangeError('gradCam: give either label or labels, not both');
  }
  const requested =
    options.label != null
      ? [options.label]
      : (options.labels ?? Array.from({ length: numOutputs }, (_, i) => i));
  if (requested.length === 0) throw new RangeError('gradCam: labels is empty');
  return requested.map((label, i) => {
    const field = options.label != null ? 'label' : `labels[${i}]`;
    if (typeof label === 'string') {
      if (names == null) {
        throw new RangeError(
          `gradCam: ${field} is the name '${label}' but no outputLabels were given`,
        );
      }
      const index = names.indexOf(label);
      if (index < 0) throw new RangeError(`gradCam: ${field} '${label}' is not in outputLabels`);
      return index;
    }
    if (!Number.isInteger(label) || label < 0 || label >= numOutputs) {
      throw new RangeError(
        `gradCam: ${field} must be an integer in [0, ${numOutputs}), got ${label}`,
      );
    }
    return label;
  });
}

/** The target layer's output inside this model's graph, with a clear error otherwise. */
function targetTensor(
  model: tf.LayersModel,
  layerName: string,
  order: readonly tf.SymbolicTensor[],
): tf.SymbolicTensor {
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    const convs = model.layers
      .filter((l) => /Conv/.test(l.getClassName()))
      .map((l) => l.name)
      .slice(-5);
    throw new RangeError(
      `gradCam: layerName '${layerName}' is not a layer of model '${model.name}'` +
        (convs.length > 0 ? ` (its last convolutions: ${convs.join(', ')})` : ''),
    );
  }
  const inGraph = new Set(order.map((t) => t.id));
  const candidates = layer.inboundNodes
    .flatMap((node) => node.outputTensors)
    .filter((t) => inGraph.has(t.id));
  if (candidates.length === 0) {
    throw new RangeError(`gradCam: layer '${layerName}' does not lead to the model's output`);
  }
  if (candidates.length > 1) {
    throw new RangeError(
      `gradCam: layer '${layerName}' has ${candidates.length} outputs in the graph (shared or multi-output layer); pick a layer with one`,
    );
  }
  const target = candidates[0]!;
  if (target.shape.length !== 4) {
    throw new RangeError(
      `gradCam: layer '${layerName}' outputs [${target.shape.join(', ')}]; Grad-CAM needs a [batch, h, w, channels] activation`,
    );
  }
  return target;
}

/**
 * Tensors computed after `target` (it included), and the tensors computed before it that they
 * also consume (skip connections around the target): those are fed as constants to the head.
 */
function splitAt(order: readonly tf.SymbolicTensor[], target: tf.SymbolicTensor) {
  const downstream = new Set<number>([target.id]);
  for (const tensor of order) {
    if (tensor.inputs.some((input) => downstream.has(input.id))) downstream.add(tensor.id);
  }
  const sideInputs = new Map<number, tf.SymbolicTensor>();
  for (const tensor of order) {
    if (!downstream.has(tensor.id) || tensor.id === target.id) continue;
    for (const input of tensor.inputs) {
      if (!downstream.has(input.id)) sideInputs.set(input.id, input);
    }
  }
  return { downstream, sideInputs: [...sideInputs.values()] };
}

/**
 * Grad-CAM (Selvaraju et al.) for a single image: for each requested label, the gradient of the
 * label's probability with respect to the target layer's activations A (shape h × w × c) gives
 * channel weights α_c = mean over space of ∂p/∂A_c; the map relu(Σ_c α_c A_c) is upsampled
 * bilinearly (half-pixel centres) to the image size, divided by its maximum, and values below
 * `clip` are set to 0. The threshold is applied after upsampling so that the returned map has no
 * values in (0, clip) — interpolating a thresholded map would bring them back.
 *
 * One forward pass for the whole model; the layers after the target are then re-applied once to a
 * batch holding one copy of the activations per label, and one backward pass gives every label's
 * gradient (row k of the batch only feeds label k's score).
 *
 * Reads its results asynchronously (it works on backends without synchronous reads, such as
 * webgpu in Node).
 *
 * @param image float32 `[H, W, C]` or `[1, H, W, C]`, values in [0, 1].
 */
export async function gradCam(
  model: tf.LayersModel,
  image: tf.Tensor3D | tf.Tensor4D,
  options: GradCamOptions = {},
): Promise<GradCamResult[]> {
  const { input, output, numOutputs } = singleInputOutput(model, 'gradCam');
  const labels = resolveLabels(options, numOutputs);
  const clip = options.clip ?? 0.5;
  if (!(clip >= 0 && clip <= 1))
    throw new RangeError(`gradCam: clip must be in [0, 1], got ${clip}`);
  const layerName = options.layerName ?? GRADCAM_LAYER_NAME;

  const order = topologicalOrder([output], new Set([input.id]));
  const target = targetTensor(model, layerName, order);
  const { downstream, sideInputs } = splitAt(order, target);
  if (!downstream.has(output.id)) {
    throw new RangeError(`gradCam: the model output does not depend on layer '${layerName}'`);
  }

  const batch = asImageBatch(image, input, 'gradCam', 'image');
  // Reads are asynchronous (webgpu in Node has no synchronous read).
  let outputs: { clipped: tf.Tensor; probabilityRow: tf.Tensor };
  const [imageHeight, imageWidth] = [batch.shape[1], batch.shape[2]];
  try {
    if (batch.shape[0] !== 1) {
      throw new RangeError(
        `gradCam: image must be a single image, got a batch of ${batch.shape[0]}`,
      );
    }
    const range = tf.tidy(() => tf.stack([tf.min(batch), tf.max(batch)]));
    const [minValue, maxValue] = await range.data();
    range.dispose();
    if (!(minValue! >= 0 && maxValue! <= 1)) {
      throw new RangeError(
        `gradCam: image values must be in [0, 1], got [${minValue}, ${maxValue}]`,
      );
    }
    outputs = tf.tidy(() => camTensors(batch));
  } finally {
    if (batch !== image) batch.dispose();
  }
  const [heatmaps, probabilities] = (await Promise.all([
    outputs.clipped.data(),
    outputs.probabilityRow.data(),
  ])) as [Float32Array, Float32Array];
  tf.dispose([outputs.clipped, outputs.probabilityRow]);
  const [height, width] = [imageHeight, imageWidth];

  function camTensors(batch: tf.Tensor4D): { clipped: tf.Tensor; probabilityRow: tf.Tensor } {
    // Forward pass: activations, side inputs, probabilities.
    const fetched = runGraph([target, ...sideInputs, output], new Map([[input.id, batch]]), {
      disposeIntermediates: true,
    });
    const activations = fetched[0] as tf.Tensor4D;
    const sideValues = fetched.slice(1, 1 + sideInputs.length);
    const probabilityRow = fetched[fetched.length - 1]!;

    // Head re-applied to K copies of the activations; score = Σ_k p_k[label_k].
    const k = labels.length;
    const tile = (t: tf.Tensor) => tf.tile(t, [k, ...new Array<number>(t.rank - 1).fill(1)]);
    const tiledSides = sideValues.map(tile);
    // Row k selects label k (built by hand: tf.oneHot rejects a depth of 1).
    const selector = tf.tensor2d(
      labels.map((label) => Array.from({ length: numOutputs }, (_, l) => (l === label ? 1 : 0))),
      [k, numOutputs],
    );
    const score = (a: tf.Tensor): tf.Scalar => {
      const feeds = new Map<number, tf.Tensor>([[target.id, a]]);
      sideInputs.forEach((side, i) => {
        feeds.set(side.id, tiledSides[i]!);
      });
      const [probabilities] = runGraph([output], feeds);
      return tf.sum(tf.mul(probabilities!, selector));
    };
    const gradients = tf.grad(score)(tile(activations)) as tf.Tensor4D; // [K, h, w, c]

    const channelWeights = tf.mean(gradients, [1, 2], true); // [K, 1, 1, c]
    const cam = tf.relu(tf.sum(tf.mul(activations, channelWeights), -1, true)); // [K, h, w, 1]
    const upsampled = tf.image.resizeBilinear(
      cam as tf.Tensor4D,
      [imageHeight, imageWidth],
      false,
      true,
    );
    const normalised = tf.divNoNan(upsampled, tf.max(upsampled, [1, 2, 3], true));
    const clipped = tf.where(tf.less(normalised, clip), tf.zerosLike(normalised), normalised);
    return { clipped, probabilityRow };
  }

  const size = height * width;
  return labels.map((label, k) => {
    const heatmap = heatmaps.slice(k * size, (k + 1) * size);
    const result: GradCamResult = {
      label,
      heatmap,
      width,
      height,
      probability: probabilities[label]!,
      peak: peakOf(heatmap, width),
    };
    const name = options.outputLabels?.[label];
    if (name != null) result.name = name;
    return result;
  });
}

/** Largest value's pixel (first in row-major order); null when every value is 0. */
export function peakOf(heatmap: Float32Array, width: number): { x: number; y: number } | null {
  let best = 0;
  let bestIndex = -1;
  for (let i = 0; i < heatmap.length; i++) {
    if (heatmap[i]! > best) {
      best = heatmap[i]!;
      bestIndex = i;
    }
  }
  if (bestIndex < 0) return null;
  return { x: bestIndex % width, y: Math.floor(bestIndex / width) };
}
