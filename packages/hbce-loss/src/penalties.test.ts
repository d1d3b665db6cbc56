import { chexpertTaxonomy, deriveLabels, validateTaxonomy } from '@cihmlc/taxonomy';
import { describe, expect, it } from 'vitest';
import { dataDrivenPenalties, edgeStatistics } from './penalties.js';

const mini = validateTaxonomy({
  name: 'mini',
  sourceLabels: ['a', 'b'],
  outputLabels: ['a', 'b'],
  edges: [{ parent: 'a', child: 'b' }],
});

describe('dataDrivenPenalties', () => {
  // a = 0 in rows 0–3; b = 1 in one of them (row 2); a = 1 in row 4.
  const labels = [
    [0, 0],
    [0, 0],
    [0, 1],
    [0, 0],
    [1, 1],
  ];

  it('is 1 − (N[p=0,c=1] + ε) / (N[p=0] + 2ε) by default (the reference code)', () => {
    const eps = 1e-6;
    expect(dataDrivenPenalties(labels, mini)[0]).toBeCloseTo(1 - (1 + eps) / (4 + 2 * eps), 12);
    expect(edgeStatistics(labels, mini)[0]).toMatchObject({
      parent: 'a',
      child: 'b',
      parentNegatives: 4,
      childWithoutParent: 1,
    });
  });

  it('is the ratio with formula "ratio" (Eq. 4 as printed)', () => {
    expect(dataDrivenPenalties(labels, mini, { formula: 'ratio', epsilon: 0 })[0]).toBe(0.25);
  });

  it('Laplace smoothing keeps an edge with no parent negatives defined', () => {
    // ε / 2ε = 0.5 whatever ε is.
    expect(dataDrivenPenalties([[1, 1]], mini)[0]).toBeCloseTo(0.5, 12);
  });

  it('gives one penalty per CheXpert edge, high where children rarely appear without parents', () => {
    const rows = [
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0],
    ];
    const labels21 = deriveLabels(rows, chexpertTaxonomy);
    const p = dataDrivenPenalties(labels21, chexpertTaxonomy);
    expect(p).toHaveLength(20);
    const at = (parent: string, child: string) =>
      p[chexpertTaxonomy.edges.findIndex((e) => e.parent === parent && e.child === child)]!;
    // No Finding + Support Devices makes Other = 1 without Abnormal: 1 of 2 Abnormal-negatives.
    expect(at('Abnormal', 'Other')).toBeCloseTo(1 - (1 + 1e-6) / (2 + 2e-6), 9);
    // Cardiac is never 0 while Cardiomegaly is 1: penalty close to 1.
    expect(at('Cardiac', 'Cardiomegaly')).toBeCloseTo(1, 5);
  });

  it('rejects non-binary labels and bad options', () => {
    expect(() => dataDrivenPenalties([[0, 0.5]], mini)).toThrow(/labels\[0\] "b": value 0.5/);
    expect(() => dataDrivenPenalties([[0, 0, 0]], mini)).toThrow(/expected 2 values, got 3/);
    expect(() => dataDrivenPenalties([[0, 0]], mini, { formula: 'x' as never })).toThrow(/formula/);
  });
});
