import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dropoutDraws,
  mixSeed,
  scopedSeedDropout,
  seededDropout,
  withDropoutSeed,
} from './seeded-dropout.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The scheme the trainer used before: Math.random replaced by mulberry32 around the step. */
function withReplacedMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  let state = seed >>> 0 || 0x9e3779b9;
  Math.random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

describe('scoped seeded dropout', () => {
  const x = tf.ones([8, 64]);

  it('draws the masks TF.js Dropout drew under a seeded Math.random (resumed runs stay identical)', () => {
    const seed = mixSeed(7, 3, 11);
    const plain = tf.layers.dropout({ rate: 0.5 });
    const scoped = scopedSeedDropout({ rate: 0.5 });
    const before = withReplacedMathRandom(seed, () => [
      (plain.apply(x, { training: true }) as tf.Tensor).arraySync(),
      (plain.apply(x, { training: true }) as tf.Tensor).arraySync(),
    ]);
    const now = withDropoutSeed(seed, () => [
      (scoped.apply(x, { training: true }) as tf.Tensor).arraySync(),
      (scoped.apply(x, { training: true }) as tf.Tensor).arraySync(),
    ]);
    expect(now).toEqual(before);
    // Two calls in one scope draw different masks.
    expect(now[0]).not.toEqual(now[1]);
  });

  it('repeats for the same seed, differs for another, keeps Math.random untouched', () => {
    const layer = scopedSeedDropout({ rate: 0.3 });
    const random = Math.random;
    const a = withDropoutSeed(1, () =>
      (layer.apply(x, { training: true }) as tf.Tensor).dataSync(),
    );
    expect(Math.random).toBe(random);
    const b = withDropoutSeed(1, () =>
      (layer.apply(x, { training: true }) as tf.Tensor).dataSync(),
    );
    const c = withDropoutSeed(2, () =>
      (layer.apply(x, { training: true }) as tf.Tensor).dataSync(),
    );
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
    // Kept units are scaled by 1 / (1 − rate), dropped ones are 0.
    for (const v of a) expect([0, 1 / 0.7].some((k) => Math.abs(v - k) < 1e-6)).toBe(true);
  });

  it('is the identity in inference mode and saves as a plain Dropout', () => {
    const layer = scopedSeedDropout({ rate: 0.5, name: 'd' });
    const out = withDropoutSeed(3, () => layer.apply(x, { training: false }) as tf.Tensor);
    expect(Array.from(out.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(layer.getClassName()).toBe('Dropout');
    expect(layer.getConfig().rate).toBe(0.5);
  });

  it('seededDropout matches tf.dropout with the same seed and checks its arguments', () => {
    const a = seededDropout(x, 0.25, 'k:1').dataSync();
    const b = tf.dropout(x, 0.25, undefined, 'k:1').dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(() => seededDropout(x, 1, 1)).toThrow(RangeError);
    expect(() => withDropoutSeed(Number.NaN, () => 0)).toThrow(/seed/);
  });
});

describe('dropoutDraws', () => {
  it("gives the uniform draws behind a withDropoutSeed scope's masks, call by call", () => {
    const rate = 0.4;
    const layers = [scopedSeedDropout({ rate }), scopedSeedDropout({ rate })];
    const shapes = [
      [3, 5],
      [2, 7],
    ];
    for (const seed of [1, 123456, mixSeed(9, 2, 5)]) {
      const outputs = withDropoutSeed(seed, () =>
        layers.map((layer, k) =>
          tf.tidy(() =>
            Array.from(
              (
                layer.apply(tf.ones(shapes[k] as number[]), { training: true }) as tf.Tensor
              ).dataSync(),
            ),
          ),
        ),
      );
      const draws = dropoutDraws(seed, shapes);
      expect(draws.map((d) => d.length)).toEqual([15, 14]);
      // tf.dropout on ones: floor(u + keep) / keep, from the formula in float64.
      const keep = 1 - rate;
      draws.forEach((u, k) => {
        const want = Array.from(u, (v) => Math.floor(Math.fround(v + Math.fround(keep))) / keep);
        const got = outputs[k] as number[];
        for (let i = 0; i < got.length; i++) {
          expect(got[i]).toBeCloseTo(want[i] as number, 6);
        }
        expect(got.some((g) => g === 0)).toBe(true); // masks drop something
      });
    }
    expect(() => dropoutDraws(Number.NaN, [[1]])).toThrow(RangeError);
  });
});
