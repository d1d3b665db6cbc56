import { chexpertTaxonomy, validateTaxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceLoss, hbceLoss } from './loss.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// g = anyOf(a, b); outputs [g, a, b]; edges g → a, g → b.
const mini = validateTaxonomy({
  name: 'mini',
  sourceLabels: ['a', 'b'],
  derived: [{ label: 'g', kind: 'anyOf', of: ['a', 'b'] }],
  outputLabels: ['g', 'a', 'b'],
  edges: [
    { parent: 'g', child: 'a' },
    { parent: 'g', child: 'b' },
  ],
});

const yTrueRows = [
  [1, 1, 0],
  [0, 0, 0],
];
const yPredRows = [
  [0.3, 0.8, 0.6],
  [0.2, 0.1, 0.9],
];
const { log } = Math;
// Hand-worked BCE per image, mean over the 3 labels.
const bce1 = -(log(0.3) + log(0.8) + log(1 - 0.6)) / 3;
const bce2 = -(log(1 - 0.2) + log(1 - 0.1) + log(1 - 0.9)) / 3;
// Violations (parent < 0.5 < child): image 1 fires g→a and g→b, image 2 fires g→b.

const value = (t: tf.Scalar): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

function evaluate(loss: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar, yt = yTrueRows, yp = yPredRows) {
  const a = tf.tensor2d(yt);
  const b = tf.tensor2d(yp);
  const v = value(loss(a, b));
  tf.dispose([a, b]);
  return v;
}

describe('hbceLoss values (hand-computed)', () => {
  it('plain BCE is the mean over labels, then over images', () => {
    expect(evaluate(bceLoss({ taxonomy: mini }))).toBeCloseTo((bce1 + bce2) / 2, 6);
  });

  it('fixed penalty adds λ·β per violated edge', () => {
    const loss = hbceLoss({ taxonomy: mini, penalty: 'fixed', lambda: 0.5, beta: 1 });
    expect(loss.weights).toEqual([0.5, 0.5]);
    expect(evaluate(loss)).toBeCloseTo((bce1 + 2 * 0.5 + bce2 + 0.5) / 2, 6);
    const reference = hbceLoss({
      taxonomy: mini,
      penalty: 'fixed',
      lambda: 0.3,
      beta: 2,
      fixedIgnoresLambda: true,
    });
    expect(reference.weights).toEqual([2, 2]);
  });

  it('data-driven penalty adds λ·penalty(edge) per violated edge', () => {
    const loss = hbceLoss({ taxonomy: mini, penalties: [0.9, 0.2], lambda: 0.5 });
    expect(loss.options.penalty).toBe('data-driven');
    const p1 = 0.5 * 0.9 + 0.5 * 0.2;
    const p2 = 0.5 * 0.2;
    expect(evaluate(loss)).toBeCloseTo((bce1 + p1 + bce2 + p2) / 2, 6);
  });

  it('components split the loss into BCE and penalty', () => {
    const loss = hbceLoss({ taxonomy: mini, penalty: 'fixed', lambda: 1 });
    const { bce, penalty } = tf.tidy(() =>
      loss.components(tf.tensor2d(yTrueRows), tf.tensor2d(yPredRows)),
    );
    expect(value(bce)).toBeCloseTo((bce1 + bce2) / 2, 6);
    expect(value(penalty)).toBeCloseTo((2 + 1) / 2, 6);
  });

  it('exactly 0.5 does not fire the indicator', () => {
    const loss = hbceLoss({ taxonomy: mini, penalty: 'fixed', lambda: 1 });
    const plain = bceLoss({ taxonomy: mini });
    const y = [[0, 0, 0]];
    const p = [[0.5, 0.5, 0.5]];
    expect(evaluate(loss, y, p)).toBeCloseTo(evaluate(plain, y, p), 7);
  });

  it('clips predictions to [1e-7, 1 − 1e-7] like Keras', () => {
    const loss = bceLoss({ taxonomy: mini });
    const v = evaluate(loss, [[1, 0, 1]], [[0, 1, 1]]);
    // Two confident mistakes at the clip bounds, one confident hit. In float32 (as in Keras)
    // the bounds are fround(1e-7) and fround(1 − 1e-7) = 1 − 2^-23.
    const lo = Math.fround(1e-7);
    const hi = Math.fround(1 - 1e-7);
    const expected = (-log(lo) - log(1 - hi) - log(hi)) / 3;
    expect(Math.abs(v - expected) / expected).toBeLessThan(1e-5);
  });

  it('sums over labels with reduction "sum" (Eq. 1 as printed)', () => {
    expect(evaluate(bceLoss({ taxonomy: mini, reduction: 'sum' }))).toBeCloseTo(
      (3 * bce1 + 3 * bce2) / 2,
      5,
    );
  });

  it('masks entries equal to maskValue out of the BCE mean (U-Ignore)', () => {
    const loss = bceLoss({ taxonomy: mini });
    const masked = evaluate(
      loss,
      [
        [1, -1, 0],
        [0, 0, -1],
      ],
      yPredRows,
    );
    const m1 = -(log(0.3) + log(1 - 0.6)) / 2;
    const m2 = -(log(1 - 0.2) + log(1 - 0.1)) / 2;
    expect(masked).toBeCloseTo((m1 + m2) / 2, 6);
  });

  it('takes the U-Ignore mask as a tensor (1 counted, 0 ignored) with yTrue left as 0/1', () => {
    const loss = hbceLoss({ taxonomy: mini, penalty: 'fixed', lambda: 0.5 });
    const yTrue = tf.tensor2d([
      [1, 1, 0],
      [0, 0, 1],
    ]);
    const mask = tf.tensor2d([
      [1, 0, 1],
      [1, 1, 0],
    ]);
    const yPred = tf.tensor2d(yPredRows);
    const m1 = -(log(0.3) + log(1 - 0.6)) / 2;
    const m2 = -(log(1 - 0.2) + log(1 - 0.1)) / 2;
    // Penalty (w = λ·β = 0.5): image 1 fires g→a and g→b, image 2 fires g→b; the mask does
    // not touch it.
    const penalty = (0.5 * 2 + 0.5 * 1) / 2;
    const parts = loss.components(yTrue, yPred, mask);
    expect(value(parts.bce)).toBeCloseTo((m1 + m2) / 2, 6);
    expect(value(parts.penalty)).toBeCloseTo(penalty, 6);
    expect(value(loss(yTrue, yPred, mask))).toBeCloseTo((m1 + m2) / 2 + penalty, 6);
    // Without the mask the ignored entries count (image 2's third label is a true positive).
    const unmasked = -(log(1 - 0.2) + log(1 - 0.1) + log(0.9)) / 3;
    expect(value(loss.components(yTrue, yPred).bce)).toBeCloseTo((bce1 + unmasked) / 2, 6);
    expect(() => loss(yTrue, yPred, tf.ones([2, 2]))).toThrow(/mask shape/);
    tf.dispose([yTrue, mask, yPred]);
  });

  it('uses the 21 outputs and 20 edges of the CheXpert taxonomy', () => {
    const loss = hbceLoss({ taxonomy: chexpertTaxonomy, penalty: 'fixed' });
    expect(loss.weights).toHaveLength(20);
    const y = [new Array(21).fill(0)];
    const p = [new Array(21).fill(0.1)];
    // Abnormal (index 15) low, Opacity (index 19) high: exactly the Abnormal → Opacity edge fires.
    p[0]![19] = 0.9;
    const bce = -(20 * log(0.9) + log(0.1)) / 21;
    expect(evaluate(loss, y, p)).toBeCloseTo(bce + 0.5, 5);
  });
});

/** Float64 transcription of the loss for finite differences, independent of TF.js. */
function referenceLoss(
  yTrue: number[][],
  yPred: number[][],
  weights: number[],
  surrogate: 'sigmoid' | 'margin',
  tau = 0.05,
): number {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const edges = [
    [0, 1],
    [0, 2],
  ] as const;
  let total = 0;
  yPred.forEach((p, i) => {
    const y = yTrue[i]!;
    const bce =
      -p.reduce((s, pj, j) => s + y[j]! * log(pj) + (1 - y[j]!) * log(1 - pj), 0) / p.length;
    const pen = edges.reduce((s, [a, b], k) => {
      const term =
        surrogate === 'margin'
          ? Math.max(0, p[b]! - p[a]!)
          : sig((p[b]! - 0.5) / tau) * sig((0.5 - p[a]!) / tau);
      return s + weights[k]! * term;
    }, 0);
    total += bce + pen;
  });
  return total / yPred.length;
}

function gradient(loss: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar, yt: number[][], yp: number[][]) {
  const a = tf.tensor2d(yt);
  const b = tf.tensor2d(yp);
  const g = tf.grad((x: tf.Tensor) => loss(a, x))(b);
  const out = g.arraySync() as number[][];
  tf.dispose([a, b, g]);
  return out;
}

describe('hbceLoss gradients', () => {
  it('indicator mode has exactly the gradient of plain BCE', () => {
    const hier = gradient(
      hbceLoss({ taxonomy: mini, penalty: 'fixed', lambda: 1 }),
      yTrueRows,
      yPredRows,
    );
    const flat = gradient(bceLoss({ taxonomy: mini }), yTrueRows, yPredRows);
    expect(hier).toEqual(flat);
  });

  for (const surrogate of ['sigmoid', 'margin'] as const) {
    it(`differentiable mode (${surrogate}) matches finite differences of a float64 reference`, () => {
      // Points near the threshold so the sigmoid surrogate has a sizeable slope.
      const yp = [
        [0.45, 0.55, 0.6],
        [0.52, 0.3, 0.47],
      ];
      const weights = [0.9, 0.4];
      const loss = hbceLoss({
        taxonomy: mini,
        penalties: weights,
        lambda: 1,
        mode: 'differentiable',
        surrogate,
        temperature: 0.05,
      });
      const g = gradient(loss, yTrueRows, yp);
      const h = 1e-6;
      for (let i = 0; i < yp.length; i++) {
        for (let j = 0; j < yp[i]!.length; j++) {
          const plus = yp.map((r) => [...r]);
          const minus = yp.map((r) => [...r]);
          plus[i]![j]! += h;
          minus[i]![j]! -= h;
          const fd =
            (referenceLoss(yTrueRows, plus, weights, surrogate) -
              referenceLoss(yTrueRows, minus, weights, surrogate)) /
            (2 * h);
          expect(Math.abs(g[i]![j]! - fd)).toBeLessThan(1e-4 + 1e-3 * Math.abs(fd));
        }
      }
      // And the value agrees with the reference.
      expect(evaluate(loss, yTrueRows, yp)).toBeCloseTo(
        referenceLoss(yTrueRows, yp, weights, surrogate),
        5,
      );
    });
  }

  it('differentiable mode moves a violating child below its parent', () => {
    const loss = hbceLoss({ taxonomy: mini, penalty: 'fixed', lambda: 1, mode: 'differentiable' });
    const g = gradient(loss, [[0, 0, 0]], [[0.45, 0.55, 0.1]]);
    const plain = gradient(bceLoss({ taxonomy: mini }), [[0, 0, 0]], [[0.45, 0.55, 0.1]]);
    // The penalty pushes the parent up (negative gradient) and the child down (positive).
    expect(g[0]![0]!).toBeLessThan(plain[0]![0]!);
    expect(g[0]![1]!).toBeGreaterThan(plain[0]![1]!);
  });
});

describe('hbceLoss input errors', () => {
  const loss = hbceLoss({ taxonomy: mini, penalty: 'fixed' });
  it('names a shape that does not match the taxonomy', () => {
    expect(() => evaluate(loss, [[1, 0]], [[0.2, 0.3]])).toThrow(/shape \[batch, 3\].*got \[1,2\]/);
    expect(() =>
      evaluate(
        loss,
        [[1, 0, 0]],
        [
          [0.2, 0.3, 0.1],
          [0.1, 0.1, 0.1],
        ],
      ),
    ).toThrow(/yTrue shape \[1,3\] does not match yPred \[2,3\]/);
  });
  it('rejects NaN and probabilities outside [0, 1]', () => {
    expect(() => evaluate(loss, [[1, 0, 0]], [[Number.NaN, 0.3, 0.1]])).toThrow(
      /yPred.*NaN or outside/,
    );
    expect(() => evaluate(loss, [[1, 0, 0]], [[1.2, 0.3, 0.1]])).toThrow(/yPred.*outside \[0, 1\]/);
    expect(() => evaluate(loss, [[2, 0, 0]], [[0.2, 0.3, 0.1]])).toThrow(/yTrue.*outside/);
  });
  it('rejects inconsistent options', () => {
    expect(() => hbceLoss({ taxonomy: mini, penalty: 'data-driven' })).toThrow(/needs `penalties`/);
    expect(() => hbceLoss({ taxonomy: mini, penalties: [1] })).toThrow(
      /1 entries, the taxonomy has 2 edges/,
    );
    const flat = validateTaxonomy({ sourceLabels: ['a', 'b'] });
    expect(() => hbceLoss({ taxonomy: flat, penalty: 'fixed' })).toThrow(
      /needs a taxonomy with edges/,
    );
    expect(() => hbceLoss({ taxonomy: mini, mode: 'smooth' as never })).toThrow(/unknown mode/);
  });
});

describe('hbceLoss in model.compile', () => {
  it('trains a model, which saves and loads with the same predictions', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [4],
          units: 8,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.dense({
          units: 3,
          activation: 'sigmoid',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
      ],
    });
    const loss = hbceLoss({ taxonomy: mini, penalties: [0.8, 0.9], lambda: 0.5 });
    model.compile({ optimizer: tf.train.adam(0.05), loss });
    // Labels follow the hierarchy: g = a OR b, with a, b read off the inputs.
    const xs = [];
    const ys = [];
    for (let i = 0; i < 64; i++) {
      const x = [(i % 2) as number, ((i >> 1) % 2) as number, ((i * 7) % 5) / 5, ((i * 3) % 7) / 7];
      xs.push(x);
      ys.push([x[0]! || x[1]! ? 1 : 0, x[0]!, x[1]!]);
    }
    const x = tf.tensor2d(xs);
    const y = tf.tensor2d(ys);
    const history = await model.fit(x, y, {
      epochs: 30,
      batchSize: 16,
      shuffle: false,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const before = model.predict(x) as tf.Tensor;
    const after = loaded.predict(x) as tf.Tensor;
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    // The loaded model compiles with the same loss and keeps training.
    loaded.compile({ optimizer: tf.train.adam(0.01), loss });
    const more = await loaded.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(Number.isFinite(more.history.loss![0] as number)).toBe(true);
    tf.dispose([x, y, before, after]);
    model.dispose();
    loaded.dispose();
  });
});
