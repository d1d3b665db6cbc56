import { describe, expect, it } from 'vitest';
import { CHEXPERT_LABELS, chexpertTaxonomy } from './chexpert.js';
import { deriveLabels, deriveLabelsMasked } from './derive.js';
import { toRows } from './matrix.js';
import { TaxonomyError } from './validate.js';

const OUT = chexpertTaxonomy.outputLabels;

/** A source row with the named labels positive. */
function source(...positive: string[]): number[] {
  for (const p of positive) if (!CHEXPERT_LABELS.includes(p as never)) throw new Error(p);
  return CHEXPERT_LABELS.map((l) => (positive.includes(l) ? 1 : 0));
}

/** The positive output labels of a derived row, sorted. */
function positives(row: number[]): string[] {
  return OUT.filter((_, i) => row[i] === 1).sort();
}

const derive1 = (...positive: string[]) =>
  positives(deriveLabels([source(...positive)], chexpertTaxonomy)[0]!);

describe('deriveLabels (hand-worked rows)', () => {
  it('No Finding with Support Devices: not Abnormal, yet Other', () => {
    expect(derive1('No Finding', 'Support Devices')).toEqual(
      ['No Finding', 'Other', 'Support Devices'].sort(),
    );
  });

  it('an all-zero row is Uncertain and nothing else', () => {
    expect(derive1()).toEqual(['Uncertain']);
  });

  it('No Finding alone is neither Uncertain nor Abnormal', () => {
    expect(derive1('No Finding')).toEqual(['No Finding']);
  });

  it('Consolidation without Pneumonia does not make Pneumonia', () => {
    expect(derive1('Consolidation')).toEqual(
      ['Abnormal', 'Consolidation', 'Fluid Accumulation', 'Opacity'].sort(),
    );
  });

  it('two-parent labels set only the grouping parent, not the other parent', () => {
    expect(derive1('Cardiomegaly')).toEqual(['Abnormal', 'Cardiac', 'Cardiomegaly'].sort());
    expect(derive1('Pneumonia')).toEqual(
      ['Abnormal', 'Fluid Accumulation', 'Opacity', 'Pneumonia'].sort(),
    );
  });

  it('covers every grouping rule', () => {
    expect(derive1('Enlarged Cardiomediastinum')).toEqual(
      ['Abnormal', 'Cardiac', 'Enlarged Cardiomediastinum'].sort(),
    );
    expect(derive1('Lung Opacity')).toEqual(['Abnormal', 'Lung Opacity', 'Opacity'].sort());
    expect(derive1('Lung Lesion')).toEqual(['Abnormal', 'Lung Lesion', 'Opacity'].sort());
    for (const fluid of ['Edema', 'Pleural Effusion']) {
      expect(derive1(fluid)).toEqual(['Abnormal', 'Fluid Accumulation', 'Opacity', fluid].sort());
    }
    for (const missing of ['Atelectasis', 'Pneumothorax', 'Pleural Other']) {
      expect(derive1(missing)).toEqual(
        ['Abnormal', 'Missing Lung Tissue', 'Opacity', missing].sort(),
      );
    }
    for (const other of ['Fracture', 'Support Devices']) {
      expect(derive1(other)).toEqual(['Abnormal', 'Other', other].sort());
    }
  });

  it('No Finding together with a finding is still not Abnormal (the rule reads No Finding)', () => {
    expect(derive1('No Finding', 'Edema')).toEqual(
      ['Edema', 'Fluid Accumulation', 'No Finding', 'Opacity'].sort(),
    );
  });

  it('returns a flat matrix for a flat matrix, matching nested rows', () => {
    const rows = [source('Edema'), source(), source('No Finding', 'Fracture')];
    const data = Float32Array.from(rows.flat());
    const m = deriveLabels({ rows: 3, cols: 14, data }, chexpertTaxonomy);
    expect(m.cols).toBe(21);
    expect(toRows(m)).toEqual(deriveLabels(rows, chexpertTaxonomy));
  });

  it('agrees with a direct transcription of method-notes §1 on many random rows', () => {
    // Independent reference: the rules written out by name, one boolean expression each.
    const at = (row: number[], l: string) => row[CHEXPERT_LABELS.indexOf(l as never)] === 1;
    const reference = (row: number[]): number[] => {
      const any = (...ls: string[]) => ls.some((l) => at(row, l));
      const uncertain = !row.some((v) => v === 1);
      const values: Record<string, boolean> = {
        Uncertain: uncertain,
        Abnormal: !(at(row, 'No Finding') || uncertain),
        Cardiac: any('Enlarged Cardiomediastinum', 'Cardiomegaly'),
        Opacity: any(
          'Lung Opacity',
          'Lung Lesion',
          'Edema',
          'Consolidation',
          'Pneumonia',
          'Pleural Effusion',
          'Atelectasis',
          'Pneumothorax',
          'Pleural Other',
        ),
        'Fluid Accumulation': any('Edema', 'Consolidation', 'Pneumonia', 'Pleural Effusion'),
        'Missing Lung Tissue': any('Atelectasis', 'Pneumothorax', 'Pleural Other'),
        Other: any('Fracture', 'Support Devices'),
      };
      return OUT.map((l) => ((values[l] ?? at(row, l)) ? 1 : 0));
    };
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const rows = Array.from({ length: 5000 }, () =>
      CHEXPERT_LABELS.map(() => (rand() < 0.15 ? 1 : 0)),
    );
    expect(deriveLabels(rows, chexpertTaxonomy)).toEqual(rows.map(reference));
  });

  it('rejects raw values that need an uncertainty policy, naming row and label', () => {
    const row = source('Edema');
    row[5] = -1;
    expect(() => deriveLabels([source(), row], chexpertTaxonomy)).toThrow(
      /rows\[1\] "Edema": value -1 is not 0 or 1/,
    );
    expect(() => deriveLabels([[1, 0]], chexpertTaxonomy)).toThrow(/expected 14 values, got 2/);
  });

  it('throws a TaxonomyError naming the entry for an unknown label of a taxonomy that was not validated', () => {
    const base = { name: 'hand', sourceLabels: ['a', 'b'], edges: [] };
    const badInput = {
      ...base,
      derived: [{ label: 'c', kind: 'anyOf' as const, of: ['a', 'zz'] }],
      outputLabels: ['a', 'c'],
    };
    expect(() => deriveLabels([[1, 0]], badInput)).toThrow(TaxonomyError);
    expect(() => deriveLabels([[1, 0]], badInput)).toThrow(
      /^taxonomy derived\[0\]\.of\[1\]: unknown label "zz" in taxonomy "hand"/,
    );
    const badOutput = { ...base, derived: [], outputLabels: ['b', 'q'] };
    expect(() => deriveLabels([[1, 0]], badOutput)).toThrow(
      /^taxonomy outputLabels\[1\]: unknown label "q"/,
    );
  });
});

describe('deriveLabelsMasked (U-Ignore)', () => {
  const col = (l: string) => OUT.indexOf(l);
  const unknownMask = (...unknown: string[]) =>
    CHEXPERT_LABELS.map((l) => (unknown.includes(l) ? 0 : 1));

  it('a known positive decides a grouping despite an unknown sibling', () => {
    const { labels, mask } = deriveLabelsMasked(
      [source('Enlarged Cardiomediastinum')],
      [unknownMask('Cardiomegaly')],
      chexpertTaxonomy,
    );
    expect(labels.data[col('Cardiac')]).toBe(1);
    expect(mask.data[col('Cardiac')]).toBe(1);
    expect(mask.data[col('Cardiomegaly')]).toBe(0);
    // A positive finding is known, so Uncertain is known 0 and Abnormal known 1.
    expect(mask.data[col('Uncertain')]).toBe(1);
    expect(labels.data[col('Abnormal')]).toBe(1);
  });

  it('an unknown input with no known positive leaves the grouping unknown', () => {
    const { labels, mask } = deriveLabelsMasked(
      [source()],
      [unknownMask('Cardiomegaly')],
      chexpertTaxonomy,
    );
    expect(mask.data[col('Cardiac')]).toBe(0);
    expect(mask.data[col('Uncertain')]).toBe(0);
    expect(mask.data[col('Abnormal')]).toBe(0);
    expect(mask.data[col('Opacity')]).toBe(1);
    expect(labels.data[col('Opacity')]).toBe(0);
  });

  it('No Finding known positive decides Abnormal = 0 even when Uncertain is unknown', () => {
    const { labels, mask } = deriveLabelsMasked(
      [source('No Finding')],
      [unknownMask('Edema')],
      chexpertTaxonomy,
    );
    // Uncertain is decided too: No Finding is a known 1.
    expect(mask.data[col('Uncertain')]).toBe(1);
    expect(labels.data[col('Abnormal')]).toBe(0);
    expect(mask.data[col('Abnormal')]).toBe(1);
    expect(mask.data[col('Fluid Accumulation')]).toBe(0);
  });
});
