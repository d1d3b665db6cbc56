import { chexpertTaxonomy } from '@cihmlc/taxonomy';
import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS, sklearn } from '../test/reference.js';
import { readPredictionsFile } from './read-predictions.js';
import { taxonomyForLabels, violationRates } from './violations.js';

describe('violationRates', () => {
  it('counts the reference predictions’ violations like an independent numpy count', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    const taxonomy = taxonomyForLabels(p.labels)!;
    const v = violationRates({ labels: p.labels, scores: p.scores, taxonomy });
    const ref = sklearn.fixture.violations;
    expect(v.imagesWithViolation).toBe(ref.imagesWithViolation);
    expect(v.perEdge.map((e) => [e.parent, e.child, e.count])).toEqual(
      ref.perEdge.map((e) => [e.parent, e.child, e.count]),
    );
    expect(v.imageRate).toBeCloseTo(ref.imagesWithViolation / 668, 15);
    expect(JSON.parse(JSON.stringify(v))).toEqual(v); // plain JSON
  });

  it('rates per edge and per image (hand-worked)', () => {
    const labels = ['Abnormal', 'Other', 'Fracture'];
    const taxonomy = taxonomyForLabels(labels)!;
    expect(taxonomy.edges).toEqual([
      { parent: 'Abnormal', child: 'Other' },
      { parent: 'Other', child: 'Fracture' },
    ]);
    const v = violationRates({
      labels,
      scores: [
        [0.9, 0.8, 0.7], // consistent
        [0.2, 0.8, 0.7], // Abnormal → Other violated
        [0.2, 0.3, 0.7], // Other → Fracture violated
        [0.2, 0.8, 0.1], // Abnormal → Other
      ],
      taxonomy,
    });
    expect(v.perEdge.map((e) => e.count)).toEqual([2, 1]);
    expect(v.perEdge.map((e) => e.rate)).toEqual([0.5, 0.25]);
    expect(v.imagesWithViolation).toBe(3);
    expect(v.meanViolationsPerImage).toBe(0.75);
  });

  it('applies only to labels of the taxonomy', () => {
    expect(taxonomyForLabels(['Atelectasis', 'Foo'])).toBeNull();
    expect(taxonomyForLabels([])).toBeNull();
    expect(taxonomyForLabels(chexpertTaxonomy.outputLabels)!.edges).toHaveLength(20);
  });
});
