import { describe, expect, it } from 'vitest';
import { chexpertTaxonomy } from './chexpert.js';
import {
  ancestorsOf,
  childrenOf,
  descendantsOf,
  enforceConsistency,
  hierarchyViolations,
  topologicalOrder,
} from './hierarchy.js';
import { TaxonomyError, validateTaxonomy } from './validate.js';

const T = chexpertTaxonomy;
const OUT = T.outputLabels;

/** A prediction row: 0.1 everywhere except the given probabilities. */
const row = (values: Record<string, number>) => OUT.map((l) => values[l] ?? 0.1);

describe('ancestors and descendants', () => {
  it('follows both parents of a two-parent label', () => {
    expect(ancestorsOf(T, 'Pneumonia').sort()).toEqual(
      ['Abnormal', 'Consolidation', 'Fluid Accumulation', 'Opacity'].sort(),
    );
    expect(ancestorsOf(T, 'Cardiomegaly').sort()).toEqual(
      ['Abnormal', 'Cardiac', 'Enlarged Cardiomediastinum'].sort(),
    );
    expect(ancestorsOf(T, 'Abnormal')).toEqual([]);
  });

  it('lists descendants in output order', () => {
    expect(descendantsOf(T, 'Cardiac')).toEqual(['Cardiomegaly', 'Enlarged Cardiomediastinum']);
    // Everything but the root, No Finding and Uncertain.
    expect(descendantsOf(T, 'Abnormal')).toEqual(
      OUT.filter((l) => !['Abnormal', 'No Finding', 'Uncertain'].includes(l)),
    );
    expect(childrenOf(T, 'Other')).toEqual(['Fracture', 'Support Devices']);
  });

  it('rejects labels that are not outputs', () => {
    expect(() => ancestorsOf(T, 'Nope')).toThrow(/"Nope" is not an output label/);
  });

  it('orders parents before children', () => {
    const order = topologicalOrder(T);
    for (const e of T.edges) expect(order.indexOf(e.parent)).toBeLessThan(order.indexOf(e.child));
  });

  it('throws a TaxonomyError for the cycle of a taxonomy that was not validated', () => {
    const cyclic = {
      name: 'loop',
      sourceLabels: ['a', 'b'],
      derived: [],
      outputLabels: ['a', 'b'],
      edges: [
        { parent: 'a', child: 'b' },
        { parent: 'b', child: 'a' },
      ],
    };
    expect(() => topologicalOrder(cyclic)).toThrow(TaxonomyError);
    expect(() => topologicalOrder(cyclic)).toThrow(
      /^taxonomy edges: contain a cycle in taxonomy "loop"/,
    );
  });
});

describe('hierarchyViolations', () => {
  it('counts per edge and per image at the threshold (strict inequalities)', () => {
    const preds = [
      // Pneumonia without either parent: violates Fluid Accumulation→Pneumonia and
      // Consolidation→Pneumonia (Abnormal and Opacity are high).
      row({ Pneumonia: 0.9, Abnormal: 0.9, Opacity: 0.9 }),
      // Consistent.
      row({ Abnormal: 0.9, Cardiac: 0.8, Cardiomegaly: 0.7, 'Enlarged Cardiomediastinum': 0.6 }),
      // Exactly 0.5 is neither above nor below: no violation.
      row({ Other: 0.5, Fracture: 0.5 }),
      // Fracture above 0.5 with Other below: one violation (Other→Fracture); Abnormal→Other is fine.
      row({ Fracture: 0.7 }),
    ];
    const v = hierarchyViolations(preds, T);
    const edge = (p: string, c: string) => v.perEdge.find((e) => e.parent === p && e.child === c)!;
    expect(edge('Fluid Accumulation', 'Pneumonia').count).toBe(1);
    expect(edge('Consolidation', 'Pneumonia').count).toBe(1);
    expect(edge('Other', 'Fracture').count).toBe(1);
    expect(edge('Other', 'Fracture').rate).toBe(0.25);
    expect(v.perEdge.reduce((n, e) => n + e.count, 0)).toBe(3);
    expect(Array.from(v.perImage)).toEqual([2, 0, 0, 1]);
    expect(v.imagesWithViolation).toBe(2);
    expect(v.imageRate).toBe(0.5);
  });
});

describe('enforceConsistency', () => {
  it('caps each child by its parents, through both parents of a DAG', () => {
    const [out] = enforceConsistency(
      [
        row({
          Abnormal: 0.8,
          Opacity: 0.6,
          'Fluid Accumulation': 0.7,
          Consolidation: 0.3,
          Pneumonia: 0.9,
        }),
      ],
      T,
    );
    const at = (l: string) => out![OUT.indexOf(l)]!;
    expect(at('Fluid Accumulation')).toBeCloseTo(0.6);
    expect(at('Pneumonia')).toBeCloseTo(0.3);
    expect(at('Consolidation')).toBeCloseTo(0.3);
    expect(hierarchyViolations([out!], T, { threshold: 0.25 }).imagesWithViolation).toBe(0);
  });

  it('leaves consistent rows unchanged and never raises a value', () => {
    const consistent = row({ Abnormal: 0.9, Other: 0.8, 'Support Devices': 0.7 });
    expect(enforceConsistency([consistent], T)[0]).toEqual(
      Array.from(Float32Array.from(consistent)),
    );
    const random = OUT.map((_, i) => ((i * 37) % 100) / 100);
    const [capped] = enforceConsistency([random], T);
    capped!.forEach((v, i) => {
      expect(v).toBeLessThanOrEqual(Math.fround(random[i]!));
    });
    for (const e of T.edges) {
      expect(capped![OUT.indexOf(e.child)]!).toBeLessThanOrEqual(capped![OUT.indexOf(e.parent)]!);
    }
  });

  it('works on a custom taxonomy', () => {
    const t = validateTaxonomy({
      name: 'mini',
      sourceLabels: ['a', 'b'],
      derived: [{ label: 'g', kind: 'anyOf', of: ['a', 'b'] }],
      outputLabels: ['g', 'a', 'b'],
      edges: [
        { parent: 'g', child: 'a' },
        { parent: 'a', child: 'b' },
      ],
    });
    expect(enforceConsistency([[0.5, 0.9, 0.7]], t)[0]).toEqual([0.5, 0.5, 0.5]);
  });
});
