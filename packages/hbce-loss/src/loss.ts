import type { Taxonomy } from '@cihmlc/taxonomy';
import { edgeIndices } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';

/** `none`: plain BCE (flat baselines); `fixed`: w = λ·β; `data-driven`: w = λ·penalty(edge). */
export type PenaltyType = 'none' | 'fixed' | 'data-driven';
/** Every `PenaltyType`, for option parsers and menus. */
export const PENALTY_TYPES: readonly PenaltyType[] = ['none', 'fixed', 'data-driven'];

/**
 * `indicator` is the paper's loss: the penalty changes the value but has zero gradient.
 * `differentiable` replaces the indicator by a smooth surrogate so the penalty shapes training.
 */
export type PenaltyMode = 'indicator' | 'differentiable';
/** Every `PenaltyMode`. */
export const PENALTY_MODES: readonly PenaltyMode[] = ['indicator', 'differentiable'];

/**
 * Surrogates of 1{p_parent < t and p_child > t} for `differentiable` mode:
 * - `sigmoid`: σ((p_child − t)/τ) · σ((t − p_parent)/τ), the indicator smoothed (→ it as τ → 0);
 * - `margin`: max(0, p_child − p_parent), a child above its parent in any amount.
 */
export type PenaltySurrogate = 'sigmoid' | 'margin';

export interface HbceOptions {
  /** Output order and edges. With penalty `none` only `outputLabels` is used. */
  taxonomy: Taxonomy;
  /** Default: `data-driven` when `penalties` are given, else `fixed` when the taxonomy has edges, else `none`. */
  penalty?: PenaltyType;
  /** Scale factor λ (default 0.5, the paper's main configuration). */
  lambda?: number;
  /** Fixed penalty β (default 1). */
  beta?: number;
  /** The reference code ignores λ in fixed mode (w = β); the paper's Tables use λ·β (default). */
  fixedIgnoresLambda?: boolean;
  /** Data-driven penalties, one per edge (from `dataDrivenPenalties`). */
  penalties?: readonly number[];
  mode?: PenaltyMode;
  surrogate?: PenaltySurrogate;
  /** τ of the sigmoid surrogate (default 0.05). */
  temperature?: number;
  /** Decision threshold t of the indicator (default 0.5). */
  threshold?: number;
  /** Predictions are clipped to [ε, 1 − ε] inside the BCE (default 1e-7, Keras's). */
  epsilon?: number;
  /** BCE over labels: `mean` (the reference code, default) or `sum` (Eq. 1 as printed). */
  reduction?: 'mean' | 'sum';
  /** Entries of yTrue equal to this value are excluded from the BCE (U-Ignore). Default -1. */
  maskValue?: number;
  /**
   * Check yTrue/yPred values (NaN, outside [0,1]) on every call; costs one synchronous read per
   * call (and fails on backends without synchronous reads, such as webgpu in Node). Default
   * true; training loops turn it off and check their accumulated loss instead.
   */
  checkValues?: boolean;
}

/**
 * A loss usable in `model.compile({ loss })` and in custom loops.
 *
 * U-Ignore entries are excluded from the BCE either way: mark them with `maskValue` (−1) inside
 * `yTrue`, or pass `mask` (same shape as `yTrue`, 1 = counted, 0 = ignored; what
 * @cihmlc/chexpert-data's batches carry) and leave `yTrue` as it is.
 */
export interface HbceLoss {
  (yTrue: tf.Tensor, yPred: tf.Tensor, mask?: tf.Tensor): tf.Scalar;
  /** Batch means of the two terms, for logging: `loss = bce + penalty`. */
  components(
    yTrue: tf.Tensor,
    yPred: tf.Tensor,
    mask?: tf.Tensor,
  ): { bce: tf.Scalar; penalty: tf.Scalar };
  /** Per-edge weights w(p, c) in `taxonomy.edges` order (empty for `none`). */
  readonly weights: readonly number[];
  readonly options: Readonly<Required<Omit<HbceOptions, 'penalties' | 'taxonomy'>>>;
}

function edgeWeights(o: HbceOptions, penalty: PenaltyType, lambda: number, beta: number): number[] {
  const edges = o.taxonomy.edges;
  if (penalty === 'none') return [];
  if (edges.length === 0) {
    throw new RangeError(`penalty "${penalty}" needs a taxonomy with edges (got none)`);
  }
  if (penalty === 'fixed') {
    return edges.map(() => (o.fixedIgnoresLambda ? beta : lambda * beta));
  }
  const p = o.penalties;
  if (!p) throw new RangeError('penalty "data-driven" needs `penalties` (see dataDrivenPenalties)');
  if (p.length !== edges.length) {
    throw new RangeError(
      `penalties has ${p.length} entries, the taxonomy has ${edges.length} edges`,
    );
  }
  p.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      throw new RangeError(`penalties[${i}] (${edges[i]!.parent} → ${edges[i]!.child}) is ${v}`);
    }
  });
  return p.map((v) => lambda * v);
}

function checkShapes(yTrue: tf.Tensor, yPred: tf.Tensor, labels: number): void {
  if (yPred.rank !== 2 || yPred.shape[1] !== labels) {
    throw new RangeError(
      `yPred must have shape [batch, ${labels}] (the taxonomy's outputLabels), got [${yPred.shape}]`,
    );
  }
  if (yTrue.rank !== 2 || yTrue.shape[0] !== yPred.shape[0] || yTrue.shape[1] !== labels) {
    throw new RangeError(`yTrue shape [${yTrue.shape}] does not match yPred [${yPred.shape}]`);
  }
}

function checkMask(mask: tf.Tensor | undefined, yTrue: tf.Tensor): void {
  if (mask == null) return;
  if (mask.rank !== 2 || mask.shape[0] !== yTrue.shape[0] || mask.shape[1] !== yTrue.shape[1]) {
    throw new RangeError(`mask shape [${mask.shape}] does not match yTrue [${yTrue.shape}]`);
  }
}

function checkValues(yTrue: tf.Tensor, yPred: tf.Tensor, maskValue: number): void {
  const [predBad, trueBad] = tf.tidy(() => {
    const predOk = tf.logicalAnd(tf.greaterEqual(yPred, 0), tf.lessEqual(yPred, 1));
    const trueOk = tf.logicalOr(
      tf.logicalAnd(tf.greaterEqual(yTrue, 0), tf.lessEqual(yTrue, 1)),
      tf.equal(yTrue, maskValue),
    );
    // NaN fails every comparison, so it counts as "not ok" here.
    return [tf.logicalNot(tf.all(predOk)), tf.logicalNot(tf.all(trueOk))];
  });
  const bad = [predBad.dataSync()[0], trueBad.dataSync()[0]];
  tf.dispose([predBad, trueBad]);
  if (bad[0]) throw new RangeError('yPred has values that are NaN or outside [0, 1]');
  if (bad[1]) {
    throw new RangeError(
      `yTrue has values that are NaN or outside [0, 1] (mask value ${maskValue})`,
    );
  }
}

/**
 * The hierarchical BCE loss (method-notes §2): per image, BCE over the outputs (mean by default,
 * predictions clipped to [ε, 1 − ε]) plus Σ_edges w(p, c) · 1{pred_p < t and pred_c > t};
 * averaged over the batch.
 */
export function hbceLoss(options: HbceOptions): HbceLoss {
  const labels = options.taxonomy.outputLabels.length;
  const penalty: PenaltyType =
    options.penalty ??
    (options.penalties ? 'data-driven' : options.taxonomy.edges.length ? 'fixed' : 'none');
  if (!PENALTY_TYPES.includes(penalty)) {
    throw new RangeError(`unknown penalty ${JSON.stringify(penalty)}`);
  }
  const resolved = {
    penalty,
    lambda: options.lambda ?? 0.5,
    beta: options.beta ?? 1,
    fixedIgnoresLambda: options.fixedIgnoresLambda ?? false,
    mode: options.mode ?? 'indicator',
    surrogate: options.surrogate ?? 'sigmoid',
    temperature: options.temperature ?? 0.05,
    threshold: options.threshold ?? 0.5,
    epsilon: options.epsilon ?? 1e-7,
    reduction: options.reduction ?? 'mean',
    maskValue: options.maskValue ?? -1,
    checkValues: options.checkValues ?? true,
  } as const;
  if (!PENALTY_MODES.includes(resolved.mode)) {
    throw new RangeError(`unknown mode ${JSON.stringify(resolved.mode)}`);
  }
  if (!['sigmoid', 'margin'].includes(resolved.surrogate)) {
    throw new RangeError(`unknown surrogate ${JSON.stringify(resolved.surrogate)}`);
  }
  if (!(resolved.temperature > 0)) throw new RangeError('temperature must be > 0');
  if (!(resolved.epsilon > 0 && resolved.epsilon < 0.5)) {
    throw new RangeError('epsilon must be in (0, 0.5)');
  }
  if (resolved.reduction !== 'mean' && resolved.reduction !== 'sum') {
    throw new RangeError(`reduction must be "mean" or "sum"`);
  }
  const weights = edgeWeights(options, penalty, resolved.lambda, resolved.beta);
  const edges = edgeIndices(options.taxonomy);
  const parentIdx = edges.map((e) => e.parent);
  const childIdx = edges.map((e) => e.child);
  const t = resolved.threshold;

  /** Per-image BCE, [batch]. */
  const bcePerImage = (yTrue: tf.Tensor, yPred: tf.Tensor, given?: tf.Tensor): tf.Tensor1D =>
    tf.tidy(() => {
      const byValue = tf.cast(tf.notEqual(yTrue, resolved.maskValue), 'float32');
      const mask = given == null ? byValue : tf.mul(byValue, tf.cast(given, 'float32'));
      const y = tf.mul(yTrue, mask);
      const p = tf.clipByValue(yPred, resolved.epsilon, 1 - resolved.epsilon);
      const elementwise = tf.neg(
        tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))),
      );
      const summed = tf.sum(tf.mul(elementwise, mask), 1);
      if (resolved.reduction === 'sum') return summed as tf.Tensor1D;
      return tf.div(summed, tf.maximum(tf.sum(mask, 1), 1)) as tf.Tensor1D;
    });

  const violationIndicator = (pp: tf.Tensor, pc: tf.Tensor): tf.Tensor =>
    tf.cast(tf.logicalAnd(tf.less(pp, t), tf.greater(pc, t)), 'float32');

  // The paper's indicator: its value counts, its gradient is zero by construction.
  const indicatorPenalty = tf.customGrad(((yPred: tf.Tensor, save: tf.GradSaveFunc) => {
    save([yPred]);
    const value = tf.tidy(() => {
      const pp = tf.gather(yPred, parentIdx, 1);
      const pc = tf.gather(yPred, childIdx, 1);
      return tf.sum(tf.mul(violationIndicator(pp, pc), tf.tensor1d(weights)), 1) as tf.Tensor1D;
    });
    return { value, gradFunc: (_dy: tf.Tensor, saved: tf.Tensor[]) => [tf.zerosLike(saved[0]!)] };
  }) as never) as (yPred: tf.Tensor) => tf.Tensor1D;

  const surrogatePenalty = (yPred: tf.Tensor): tf.Tensor1D =>
    tf.tidy(() => {
      const pp = tf.gather(yPred, parentIdx, 1);
      const pc = tf.gather(yPred, childIdx, 1);
      const s =
        resolved.surrogate === 'margin'
          ? tf.relu(tf.sub(pc, pp))
          : tf.mul(
              tf.sigmoid(tf.div(tf.sub(pc, t), resolved.temperature)),
              tf.sigmoid(tf.div(tf.sub(t, pp), resolved.temperature)),
            );
      return tf.sum(tf.mul(s, tf.tensor1d(weights)), 1) as tf.Tensor1D;
    });

  const penaltyPerImage = (yPred: tf.Tensor): tf.Tensor1D => {
    if (weights.length === 0) return tf.zeros([yPred.shape[0]!]) as tf.Tensor1D;
    return resolved.mode === 'indicator' ? indicatorPenalty(yPred) : surrogatePenalty(yPred);
  };

  const prepare = (yTrue: tf.Tensor, yPred: tf.Tensor, mask?: tf.Tensor) => {
    checkShapes(yTrue, yPred, labels);
    checkMask(mask, yTrue);
    if (resolved.checkValues) checkValues(yTrue, yPred, resolved.maskValue);
  };

  const loss = ((yTrue: tf.Tensor, yPred: tf.Tensor, mask?: tf.Tensor): tf.Scalar => {
    prepare(yTrue, yPred, mask);
    return tf.tidy(() => tf.mean(tf.add(bcePerImage(yTrue, yPred, mask), penaltyPerImage(yPred))));
  }) as HbceLoss;
  loss.components = (yTrue, yPred, mask) => {
    prepare(yTrue, yPred, mask);
    return {
      bce: tf.tidy(() => tf.mean(bcePerImage(yTrue, yPred, mask))),
      penalty: tf.tidy(() => tf.mean(penaltyPerImage(yPred))),
    };
  };
  Object.defineProperty(loss, 'name', { value: `hbce_${penalty}` });
  Object.defineProperty(loss, 'weights', { value: Object.freeze([...weights]) });
  Object.defineProperty(loss, 'options', { value: Object.freeze(resolved) });
  return loss;
}

/** Plain Keras-style BCE for flat baselines: `hbceLoss` with no penalty. */
export function bceLoss(options: Omit<HbceOptions, 'penalty' | 'penalties'>): HbceLoss {
  return hbceLoss({ ...options, penalty: 'none' });
}
