import { fnv1aSeed, mulberry32 } from '@cihmlc/internal';
import * as tf from '@tensorflow/tfjs';

/**
 * Dropout with explicit seeds: the project's one mechanism for reproducible dropout masks, used by
 * the classifier's Dropout layer during training (@cihmlc/training seeds each step) and by
 * @cihmlc/explain's MC dropout. Nothing here replaces the global `Math.random`.
 */

/**
 * TF.js's `tf.dropout` with the mask drawn from `seed` (the same seed gives the same mask):
 * x · floor(u + 1 − rate) / (1 − rate), u uniform in [0, 1) from an Alea generator seeded with
 * `String(seed)`.
 */
export function seededDropout(
  x: tf.Tensor,
  rate: number,
  seed: number | string,
  noiseShape?: number[],
): tf.Tensor {
  if (!(rate >= 0 && rate < 1)) {
    throw new RangeError(`seededDropout: rate must be in [0, 1), got ${rate}`);
  }
  if (typeof seed === 'number' && !Number.isFinite(seed)) {
    throw new RangeError(`seededDropout: seed must be a finite number or a string, got ${seed}`);
  }
  return tf.dropout(x, rate, noiseShape, seed);
}

/** A 32-bit seed from several integers (FNV-1a over their decimal text joined by ':'). */
export const mixSeed: (...parts: number[]) => number = fnv1aSeed;

/** mulberry32: successive floats in [0, 1) from a 32-bit seed (0 is replaced by 0x9e3779b9). */
function seedStream(seed: number): () => number {
  return mulberry32(seed >>> 0 || 0x9e3779b9);
}

let activeStream: (() => number) | null = null;

/**
 * Runs `fn` with every training-mode Dropout layer of a `createClassifier` model drawing its
 * mask seed from a stream seeded with `seed` (the k-th dropout call in `fn` takes the stream's
 * k-th value): the same `seed` gives the same masks, so a resumed run repeats an uninterrupted
 * one. Outside such a scope the layers behave like TF.js's Dropout (unseeded). `fn` must be
 * synchronous (a TF.js training step is); scopes nest.
 */
export function withDropoutSeed<T>(seed: number, fn: () => T): T {
  if (!Number.isFinite(seed)) {
    throw new RangeError(`withDropoutSeed: seed must be a finite number, got ${seed}`);
  }
  const previous = activeStream;
  activeStream = seedStream(seed);
  try {
    return fn();
  } finally {
    activeStream = previous;
  }
}

/**
 * The uniform [0, 1) values that training-mode Dropout layers draw for their masks inside
 * `withDropoutSeed(seed, …)`: the k-th dropout call, whose mask has `shapes[k]`, takes the k-th
 * value of the scope's stream as its tf.dropout seed (an Alea generator). Lets a recorded
 * training step (@cihmlc/runtime's captureTrainingStep) redraw exactly the masks of step `seed`.
 */
export function dropoutDraws(seed: number, shapes: readonly number[][]): Float32Array[] {
  if (!Number.isFinite(seed)) {
    throw new RangeError(`dropoutDraws: seed must be a finite number, got ${seed}`);
  }
  const stream = seedStream(seed);
  return shapes.map((shape) => {
    const maskSeed = stream();
    return tf.tidy(
      () => tf.randomUniform(shape, 0, 1, 'float32', maskSeed).dataSync() as Float32Array,
    );
  });
}

type DropoutLayer = ReturnType<typeof tf.layers.dropout>;
type DropoutArgs = Parameters<typeof tf.layers.dropout>[0];
type Kwargs = Parameters<DropoutLayer['call']>[1];

// TF.js does not export the Dropout class itself; its factory's result carries the constructor.
const DropoutBase = tf.layers.dropout({ rate: 0 }).constructor as new (
  args: DropoutArgs,
) => DropoutLayer;

/**
 * TF.js's Dropout (same class name 'Dropout', same config and saved form) whose training-mode
 * masks come from the active `withDropoutSeed` scope when there is one.
 */
class ScopedSeedDropout extends DropoutBase {
  /** The base class keeps its rate private; the same clamp as its constructor. */
  private readonly dropRate: number;

  constructor(args: DropoutArgs) {
    super(args);
    this.dropRate = Math.max(Math.min(args.rate, 1), 0);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const rate = this.dropRate;
    if (activeStream === null || kwargs?.training !== true || !(rate > 0 && rate < 1)) {
      return super.call(inputs, kwargs);
    }
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const seed = activeStream();
    const noiseShape = this.getNoiseShape(x) as number[] | undefined;
    return tf.tidy(() => seededDropout(x, rate, seed, noiseShape));
  }
}

/** A Dropout layer that follows `withDropoutSeed` scopes (see there). */
export function scopedSeedDropout(args: DropoutArgs): DropoutLayer {
  return new ScopedSeedDropout(args);
}
