import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS, sklearn } from '../test/reference.js';
import { binaryAuroc } from './auroc.js';
import { delongConfidenceInterval, delongTest, delongVariance } from './delong.js';
import { column } from './matrix.js';
import { readPredictionsFile } from './read-predictions.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe('delongTest', () => {
  it('equals an independent numpy midrank implementation (synthetic, with ties)', () => {
    const c = sklearn.synthetic.delong150;
    const r = delongTest(c.truth, c.scoresA, c.scoresB);
    expect(r.aurocA).toBeCloseTo(c.aucA, 13);
    expect(r.aurocB).toBeCloseTo(c.aucB, 13);
    expect(rel(r.varianceA, c.varA)).toBeLessThan(1e-9);
    expect(rel(r.varianceB, c.varB)).toBeLessThan(1e-9);
    expect(rel(r.covariance, c.covariance)).toBeLessThan(1e-9);
    expect(rel(r.z, c.z)).toBeLessThan(1e-9);
    expect(rel(r.p, c.p)).toBeLessThan(1e-8);
  });

  it('equals the numpy DeLong on the reference predictions', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    const col = (l: string) => column(p.scores, p.labels.indexOf(l));
    const truthOf = (l: string) => column(p.truth, p.labels.indexOf(l));
    const cases: [string, string, string][] = [
      [
        'Fluid Accumulation vs Pleural Effusion scores on Fluid Accumulation',
        'Fluid Accumulation',
        'Pleural Effusion',
      ],
      ['Opacity vs Lung Opacity scores on Opacity', 'Opacity', 'Lung Opacity'],
    ];
    for (const [name, a, b] of cases) {
      const ref = sklearn.fixture.delong[name]!;
      const r = delongTest(truthOf(a), col(a), col(b));
      expect(rel(r.z, ref.z), name).toBeLessThan(1e-9);
      expect(rel(r.p, ref.p), name).toBeLessThan(1e-8);
      expect(rel(r.covariance, ref.covariance), name).toBeLessThan(1e-9);
    }
  });

  it('gives z = 0, p = 1 for identical scorers', () => {
    const truth = [0, 1, 0, 1, 1, 0];
    const s = [0.1, 0.7, 0.4, 0.4, 0.9, 0.2];
    const r = delongTest(truth, s, s);
    expect(r.z).toBe(0);
    expect(r.p).toBe(1);
  });

  it('needs both classes and equal lengths', () => {
    expect(() => delongTest([1, 1], [0.1, 0.2], [0.3, 0.4])).toThrow(/both classes/);
    expect(() => delongTest([0, 1], [0.1], [0.3, 0.4])).toThrow(/scores A 1/);
  });
});

describe('delongVariance', () => {
  it('is the variance inside the two-scorer test and gives a CI around the AUROC', () => {
    const c = sklearn.synthetic.delong150;
    const v = delongVariance(c.truth, c.scoresA);
    expect(rel(v.variance, c.varA)).toBeLessThan(1e-9);
    expect(v.auroc).toBe(binaryAuroc(c.truth, c.scoresA));
    const ci = delongConfidenceInterval(c.truth, c.scoresA);
    expect(ci.upper - ci.auroc).toBeCloseTo(1.959963984540054 * Math.sqrt(c.varA), 9);
    expect(ci.lower).toBeLessThan(ci.auroc);
  });

  it('is 0 for perfectly separated scores (CI collapses to 1)', () => {
    const ci = delongConfidenceInterval([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]);
    expect(ci).toMatchObject({ auroc: 1, lower: 1, upper: 1 });
  });
});
