/**
 * Layer names of the classification head and the other spellings they have had, as plain data
 * (no TF.js, no I/O). Loading maps a file's layer name onto a model's through these aliases, so
 * weights saved under either spelling load strictly into a model built with the other.
 */

/** Name of the head's 3×3 convolution: the last spatial layer, the Grad-CAM target. */
export const GRADCAM_LAYER_NAME = 'top_conv2d';

/**
 * Names of the head's layers, in order, as the authors' Keras code names them (`top_gap2d`,
 * `top_pred`). Models built before 0.1 used `top_avg_pool` and `predictions`; both load.
 */
export const HEAD_LAYER_NAMES = {
  conv: GRADCAM_LAYER_NAME,
  batchNorm: 'top_bn',
  pool: 'top_gap2d',
  dense: 'top_dense',
  dropout: 'top_dropout',
  predictions: 'top_pred',
} as const;

/** Earlier spellings of head layers, each naming the same layer as its current name. */
export const LEGACY_HEAD_LAYER_NAMES: Readonly<Record<string, string>> = {
  top_avg_pool: HEAD_LAYER_NAMES.pool,
  predictions: HEAD_LAYER_NAMES.predictions,
};

const CURRENT_TO_LEGACY: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(LEGACY_HEAD_LAYER_NAMES).map(([legacy, current]) => [current, legacy]),
);

/**
 * Every spelling a layer may have in a file: its own name, Keras 3's underscored form of a tf.keras
 * 2 name (`conv1/conv` → `conv1_conv`), and the other spelling of a renamed head layer.
 */
export function layerNameAliases(layerName: string): string[] {
  const names = [layerName];
  const underscored = layerName.replaceAll('/', '_');
  if (underscored !== layerName) names.push(underscored);
  const other = LEGACY_HEAD_LAYER_NAMES[layerName] ?? CURRENT_TO_LEGACY[layerName];
  if (other !== undefined) names.push(other);
  return names;
}

/**
 * Every spelling a weight may have in a file (`layer/…/weight`): the weight's own name under each
 * spelling of its layer (the last path segment is the weight, the rest the layer).
 */
export function weightNameAliases(weightName: string): string[] {
  const slash = weightName.lastIndexOf('/');
  if (slash < 0) return [weightName];
  const weight = weightName.slice(slash);
  return layerNameAliases(weightName.slice(0, slash)).map((layer) => `${layer}${weight}`);
}
