import { describe, expect, it } from 'vitest';
import { CHEXPERT_LABELS, chexpertTaxonomy } from './chexpert.js';
import { parentsOf } from './hierarchy.js';
import { validateTaxonomy } from './validate.js';

describe('chexpertTaxonomy', () => {
  it('has the reference model output order (method-notes §1)', () => {
    expect(chexpertTaxonomy.outputLabels).toEqual([
      'Atelectasis',
      'Cardiomegaly',
      'Consolidation',
      'Edema',
      'Enlarged Cardiomediastinum',
      'Fracture',
      'Lung Lesion',
      'Lung Opacity',
      'No Finding',
      'Pleural Effusion',
      'Pleural Other',
      'Pneumonia',
      'Pneumothorax',
      'Support Devices',
      'Uncertain',
      'Abnormal',
      'Cardiac',
      'Fluid Accumulation',
      'Missing Lung Tissue',
      'Opacity',
      'Other',
    ]);
  });

  it('keeps the CSV column order for source labels', () => {
    expect(chexpertTaxonomy.sourceLabels).toEqual([...CHEXPERT_LABELS]);
    expect(chexpertTaxonomy.sourceLabels[0]).toBe('No Finding');
    expect(chexpertTaxonomy.sourceLabels[13]).toBe('Support Devices');
  });

  it('has the 20 penalty edges, with two parents for Cardiomegaly and Pneumonia', () => {
    expect(chexpertTaxonomy.edges).toHaveLength(20);
    expect(parentsOf(chexpertTaxonomy, 'Cardiomegaly').sort()).toEqual([
      'Cardiac',
      'Enlarged Cardiomediastinum',
    ]);
    expect(parentsOf(chexpertTaxonomy, 'Pneumonia').sort()).toEqual([
      'Consolidation',
      'Fluid Accumulation',
    ]);
    expect(parentsOf(chexpertTaxonomy, 'Abnormal')).toEqual([]);
  });

  it('is plain JSON that validates to itself', () => {
    const roundTrip = JSON.parse(JSON.stringify(chexpertTaxonomy));
    expect(roundTrip).toEqual(chexpertTaxonomy);
    expect(validateTaxonomy(roundTrip)).toEqual(chexpertTaxonomy);
  });
});
