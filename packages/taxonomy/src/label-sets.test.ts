import { describe, expect, it } from 'vitest';
import { chexpertTaxonomy } from './chexpert.js';
import { type LabelSet, labelSetForOutputs, taxonomyForLabelSet } from './label-sets.js';

describe('labelSetForOutputs', () => {
  // The paper's output counts: 14 CheXpert labels, + Uncertain, the 21-label hierarchy.
  it('finds the set of a model by its number of outputs', () => {
    expect(labelSetForOutputs(chexpertTaxonomy, 14)).toBe('flat14');
    expect(labelSetForOutputs(chexpertTaxonomy, 15)).toBe('flat15');
    expect(labelSetForOutputs(chexpertTaxonomy, 21)).toBe('hierarchical21');
  });

  it('checks a requested set against the count', () => {
    expect(labelSetForOutputs(chexpertTaxonomy, 15, { requested: 'flat15' })).toBe('flat15');
    expect(() =>
      labelSetForOutputs(chexpertTaxonomy, 14, { requested: 'hierarchical21', where: 'm.keras' }),
    ).toThrow(new RangeError('m.keras has 14 outputs but label set hierarchical21 has 21'));
    expect(() => labelSetForOutputs(chexpertTaxonomy, 14, { requested: 'flat16' })).toThrow(
      /unknown label set "flat16", expected one of flat14, flat15, hierarchical21/,
    );
  });

  it('names every set and its count when none fits', () => {
    expect(() => labelSetForOutputs(chexpertTaxonomy, 3, { where: 'w.h5' })).toThrow(
      new RangeError(
        'w.h5 has 3 outputs; the label sets have flat14: 14, flat15: 15, hierarchical21: 21',
      ),
    );
  });

  it('rejects an unknown label set with a RangeError', () => {
    expect(() => taxonomyForLabelSet(chexpertTaxonomy, 'flat16' as unknown as LabelSet)).toThrow(
      RangeError,
    );
  });
});
