import { seededDropout } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import { runGraph } from './graph.js';
import { asImageBatch, checkOutputLabels, singleInputOutput } from './model-checks.js';

export interface McDropoutOptions {
  /** Stochastic passes (default 10, as in the paper). */
  samples?: number;
  /**
   * Seed of the dropout masks: the same seed gives the same result. Pass p's mask of a dropout
   * layer is drawn with the seed string `${seed}:${p}:${layer path}`. Omitted: a random seed.
   */
  seed?: number;
  /** Names of the model outputs, copied to the result. */
  outputLabels?: readonly string[];
  /** Images per forward pass (default 16); memory grows with it. */
  batchSize?: number;
}

/** A row-major matrix of statistics: `rows` images × `cols` outputs. */
export interface UncertaintyMatrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export interface McDropoutResult {
  /** `outputLabels`, when given. */
  outputLabels?: string[];
  /** Number of passes behind the statistics. */
  samples: number;
  /** The seed the masks were drawn with (the random one when none was given). */
  seed: number;
  /**
   * Mean over the passes, one row per image and one column per output (row-major, like
   * @cihmlc/taxonomy's LabelMatrix and @cihmlc/metrics' ScoreMatrix): image i's output l is
   * `mean.data[i * mean.cols + l]`.
   */
  mean: UncertaintyMatrix;
  /** Population standard deviation (divisor N, like numpy's default) of the same, same layout. */
  std: UncertaintyMatrix;
}

function assertPositiveInteger(value: number, field: string, caller: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${caller}: ${field} must be a positive integer, got ${value}`);
  }
}

/** `samples`, `batchSize` and `seed` checked (RangeError naming the field) with their defaults. */
export function resolveMcDropoutOptions(
  options: McDropoutOptions,
  caller: string,
): { samples: number; batchSize: number; seed: number } {
  const samples = options.samples ?? 10;
  const batchSize = options.batchSize ?? 16;
  assertPositiveInteger(samples, 'samples', caller);
  assertPositiveInteger(batchSize, 'batchSize', caller);
  if (options.seed != null && !Number.isFinite(options.seed)) {
    throw new RangeError(`${caller}: seed must be a finite number, got ${options.seed}`);
  }
  return { samples, batchSize, seed: options.seed ?? Math.floor(Math.random() * 2 ** 31) };
}

/**
 * Monte Carlo dropout (Gal & Ghahramani): `samples` forward passes with every Dropout layer
 * drawing a fresh mask and every other layer — BatchNormalization in particular — in inference
 * mode. The model's weights and BN moving statistics are never written: the graph is walked
 * layer by layer (`runGraph`) instead of calling `model.apply(x, { training: true })`, which would
 * switch BN to batch statistics and update its moving mean and variance.
 *
 * Masks come from @cihmlc/densenet's `seededDropout` (the project's one seeded-dropout
 * mechanism); results are read asynchronously.
 *
 * @param images float32 `[B, H, W, C]` (or one `[H, W, C]` image), the model's preprocessing applied.
 */
export async function mcDropout(
  model: tf.LayersModel,
  images: tf.Tensor3D | tf.Tensor4D,
  options: McDropoutOptions = {},
): Promise<McDropoutResult> {
  const { input, output, numOutputs } = singleInputOutput(model, 'mcDropout');
  const outputLabels = checkOutputLabels(options.outputLabels, numOutputs, 'mcDropout');
  const { samples, batchSize, seed } = resolveMcDropoutOptions(options, 'mcDropout');

  const batch = asImageBatch(images, input, 'mcDropout', 'images');
  const count = batch.shape[0];
  // passes[p][i * numOutputs + l]
  const passes: Float32Array[] = Array.from(
    { length: samples },
    () => new Float32Array(count * numOutputs),
  );
  try {
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      for (let pass = 0; pass < samples; pass++) {
        const probabilities = tf.tidy(() => {
          const chunk = batch.slice([start, 0, 0, 0], [size, -1, -1, -1]);
          const [probabilities] = runGraph([output], new Map([[input.id, chunk]]), {
            disposeIntermediates: true,
            dropout: (layer, x, path) => {
              const rate = (layer as unknown as { rate: number }).rate;
              if (!(rate > 0 && rate < 1)) return null;
              const noiseShape = (
                layer as unknown as { getNoiseShape(x: tf.Tensor): number[] | undefined }
              ).getNoiseShape(x);
              // Chunks get their own seed too, or images at the same position in two chunks
              // would share masks.
              return seededDropout(
                x,
                rate,
                `${seed}:${pass}:${start}:${path}`,
                noiseShape ?? undefined,
              );
            },
          });
          return probabilities!;
        });
        // Asynchronous read: webgpu in Node has no synchronous one.
        const values = (await probabilities.data()) as Float32Array;
        probabilities.dispose();
        passes[pass]!.set(values, start * numOutputs);
      }
    }
  } finally {
    if (batch !== images) batch.dispose();
  }

  // Sums in float64, stored as float32 like the model's outputs.
  const mean = { rows: count, cols: numOutputs, data: new Float32Array(count * numOutputs) };
  const std = { rows: count, cols: numOutputs, data: new Float32Array(count * numOutputs) };
  for (let index = 0; index < count * numOutputs; index++) {
    let sum = 0;
    for (const pass of passes) sum += pass[index]!;
    const m = sum / samples;
    let squares = 0;
    for (const pass of passes) squares += (pass[index]! - m) ** 2;
    mean.data[index] = m;
    std.data[index] = Math.sqrt(squares / samples);
  }
  const result: McDropoutResult = { samples, seed, mean, std };
  if (outputLabels != null) result.outputLabels = [...outputLabels];
  return result;
}
