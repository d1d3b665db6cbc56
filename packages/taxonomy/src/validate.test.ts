import { describe, expect, it } from 'vitest';
import { chexpertTaxonomy } from './chexpert.js';
import { taxonomyForLabelSet } from './label-sets.js';
import { parseTaxonomy, validateTaxonomy } from './validate.js';

const base = {
  name: 'mini',
  sourceLabels: ['a', 'b', 'c'],
  derived: [{ label: 'g', kind: 'anyOf', of: ['a', 'b'] }],
  outputLabels: ['a', 'b', 'c', 'g'],
  edges: [{ parent: 'g', child: 'a' }],
};

const invalid = (patch: object) => () => validateTaxonomy({ ...base, ...patch });

describe('validateTaxonomy', () => {
  it('accepts a well-formed custom taxonomy', () => {
    expect(validateTaxonomy(base).outputLabels).toEqual(['a', 'b', 'c', 'g']);
  });

  it('defaults outputs to all labels and edges to none', () => {
    const t = validateTaxonomy({ sourceLabels: ['x', 'y'] });
    expect(t.outputLabels).toEqual(['x', 'y']);
    expect(t.edges).toEqual([]);
  });

  it('names duplicate labels', () => {
    expect(invalid({ sourceLabels: ['a', 'b', 'a'] })).toThrow(
      /sourceLabels\[2\]: duplicate label "a" \(also at index 0\)/,
    );
    expect(invalid({ derived: [{ label: 'b', kind: 'anyOf', of: ['a'] }] })).toThrow(
      /derived\[0\]\.label: duplicate label "b"/,
    );
    expect(invalid({ outputLabels: ['a', 'a'] })).toThrow(/outputLabels\[1\]: duplicate/);
  });

  it('names unknown labels in rules, outputs and edges', () => {
    expect(invalid({ derived: [{ label: 'g', kind: 'anyOf', of: ['a', 'zz'] }] })).toThrow(
      /derived\[0\]\.of\[1\]: unknown label "zz"/,
    );
    expect(invalid({ outputLabels: ['a', 'q'] })).toThrow(/outputLabels\[1\]: unknown label "q"/);
    expect(invalid({ edges: [{ parent: 'g', child: 'zz' }] })).toThrow(
      /edges\[0\]\.child: unknown label "zz"/,
    );
    expect(invalid({ outputLabels: ['a', 'b'], edges: [{ parent: 'g', child: 'a' }] })).toThrow(
      /edges\[0\]\.parent: label "g" is not among outputLabels/,
    );
  });

  it('rejects cycles, self-loops, duplicate edges and self-derivation', () => {
    expect(
      invalid({
        edges: [
          { parent: 'a', child: 'b' },
          { parent: 'b', child: 'c' },
          { parent: 'c', child: 'a' },
        ],
      }),
    ).toThrow(/edges: cycle "a" → "b" → "c" → "a"/);
    expect(invalid({ edges: [{ parent: 'a', child: 'a' }] })).toThrow(/edges\[0\]: self-loop/);
    expect(
      invalid({
        edges: [
          { parent: 'g', child: 'a' },
          { parent: 'g', child: 'a' },
        ],
      }),
    ).toThrow(/edges\[1\]: duplicate edge/);
    expect(invalid({ derived: [{ label: 'g', kind: 'anyOf', of: ['g'] }] })).toThrow(
      /derived\[0\]\.of\[0\]: "g" derives from itself/,
    );
    // A rule may not read a label derived after it: derivation order cannot cycle.
    expect(
      invalid({
        derived: [
          { label: 'g', kind: 'anyOf', of: ['h'] },
          { label: 'h', kind: 'anyOf', of: ['g'] },
        ],
        outputLabels: ['a'],
        edges: [],
      }),
    ).toThrow(/derived\[0\]\.of\[0\]: unknown label "h"/);
  });

  it('names bad rule kinds and malformed values', () => {
    expect(invalid({ derived: [{ label: 'g', kind: 'allOf', of: ['a'] }] })).toThrow(
      /derived\[0\]\.kind: unknown rule kind "allOf"/,
    );
    expect(() => validateTaxonomy([])).toThrow(/\(root\): must be an object/);
    expect(() => parseTaxonomy('{oops')).toThrow(/not valid JSON/);
    expect(invalid({ sourceLabels: 'a,b' })).toThrow(/sourceLabels: must be an array of strings/);
  });
});

describe('taxonomyForLabelSet', () => {
  it('gives the paper label sets', () => {
    const flat14 = taxonomyForLabelSet(chexpertTaxonomy, 'flat14');
    expect(flat14.outputLabels).toEqual(chexpertTaxonomy.outputLabels.slice(0, 14));
    expect(flat14.edges).toEqual([]);
    const flat15 = taxonomyForLabelSet(chexpertTaxonomy, 'flat15');
    expect(flat15.outputLabels).toEqual(chexpertTaxonomy.outputLabels.slice(0, 15));
    expect(taxonomyForLabelSet(chexpertTaxonomy, 'hierarchical21').edges).toHaveLength(20);
  });
});
