import { chexpertTaxonomy } from '@cihmlc/taxonomy';
import { describe, expect, it } from 'vitest';
import { hierarchyRows, inconsistentParents } from './tree.js';

describe('hierarchyRows', () => {
  const rows = hierarchyRows(chexpertTaxonomy);
  const at = (label: string) => rows.findIndex((r) => r.label === label);

  it('lists all 21 outputs once, each parent above all of its children', () => {
    expect(rows.map((r) => r.label).sort()).toEqual([...chexpertTaxonomy.outputLabels].sort());
    for (const e of chexpertTaxonomy.edges) expect(at(e.parent)).toBeLessThan(at(e.child));
    for (const r of rows) expect(chexpertTaxonomy.outputLabels[r.index]).toBe(r.label);
  });

  it('puts a label with two parents under the deeper one and names the other', () => {
    const cardiomegaly = rows[at('Cardiomegaly')]!;
    expect(cardiomegaly.parent).toBe('Enlarged Cardiomediastinum');
    expect(cardiomegaly.otherParents).toEqual(['Cardiac']);
    expect(cardiomegaly.depth).toBe(3);
    expect(rows[at('Pneumonia')]!.parent).toBe('Consolidation');
    expect(rows.filter((r) => r.depth === 0).map((r) => r.label)).toEqual([
      'No Finding',
      'Uncertain',
      'Abnormal',
    ]);
  });
});

describe('inconsistentParents', () => {
  it('flags a child at or above 0.5 under a parent below 0.5', () => {
    const p = chexpertTaxonomy.outputLabels.map(() => 0.1);
    const set = (label: string, v: number) => {
      p[chexpertTaxonomy.outputLabels.indexOf(label)] = v;
    };
    set('Abnormal', 0.9);
    set('Opacity', 0.8);
    set('Fluid Accumulation', 0.3);
    set('Edema', 0.7);
    set('Cardiomegaly', 0.6);
    set('Enlarged Cardiomediastinum', 0.2);
    const flags = inconsistentParents(p, chexpertTaxonomy);
    expect(Object.fromEntries(flags)).toEqual({
      Edema: ['Fluid Accumulation'],
      Cardiomegaly: ['Cardiac', 'Enlarged Cardiomediastinum'],
    });
  });
});
