import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS, sklearn } from '../test/reference.js';
import { compareConfigurations, delongPerLabel } from './compare.js';
import { evaluate } from './evaluate.js';
import { PAPER_OURS_TABLE_III, PUBLISHED_TABLE_III } from './published.js';
import { readPredictionsFile } from './read-predictions.js';
import { TABLE_I_LABELS } from './tables.js';

/** An evaluation with given AUROCs (only the fields the comparison reads). */
function fake(aurocs: Record<string, number | null>) {
  return {
    labels: Object.keys(aurocs),
    perLabel: Object.entries(aurocs).map(([label, auroc]) => ({
      label,
      auroc,
      positives: 1,
      negatives: 1,
    })),
  } as never;
}

describe('compareConfigurations', () => {
  it('is the paired t-test of Table III rows (scipy: p = 0.0437 for ours vs Zhang et al.)', () => {
    const zhang = PUBLISHED_TABLE_III.find((r) => r.name.startsWith('Zhang'))!;
    const ours = fake(
      Object.fromEntries(TABLE_I_LABELS.map((l, i) => [l, PAPER_OURS_TABLE_III.values[i]!])),
    );
    const theirs = fake(Object.fromEntries(TABLE_I_LABELS.map((l, i) => [l, zhang.values[i]!])));
    const r = compareConfigurations(ours, theirs);
    const ref = sklearn.tTests['tableIII ours vs zhang']!;
    expect(r.labels).toEqual([...TABLE_I_LABELS]);
    expect(r.t).toBeCloseTo(ref.t, 10);
    expect(r.p).toBeCloseTo(ref.p, 10);
  });

  it('compares only labels defined in both, or the labels asked for', () => {
    const a = fake({ A: 0.9, B: 0.8, C: null, D: 0.7 });
    const b = fake({ A: 0.85, B: 0.81, C: 0.6, D: 0.6, E: 0.5 });
    expect(compareConfigurations(a, b).labels).toEqual(['A', 'B', 'D']);
    expect(compareConfigurations(a, b, ['A', 'B']).n).toBe(2);
    expect(() => compareConfigurations(a, b, ['E'])).toThrow(/"E" is not in both/);
  });
});

describe('delongPerLabel', () => {
  it('tests each label of two prediction sets on the same images', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    // Second "configuration": the same model with Pleural Effusion's scores in the Fluid
    // Accumulation column — the pair the numpy reference tested.
    const fa = p.labels.indexOf('Fluid Accumulation');
    const pe = p.labels.indexOf('Pleural Effusion');
    const data = Float64Array.from(p.scores.data);
    for (let r = 0; r < p.scores.rows; r++)
      data[r * p.scores.cols + fa] = p.scores.data[r * p.scores.cols + pe]!;
    const other = { ...p, scores: { ...p.scores, data } };
    const tests = delongPerLabel(p, other);
    expect(tests).toHaveLength(21);
    const ref =
      sklearn.fixture.delong[
        'Fluid Accumulation vs Pleural Effusion scores on Fluid Accumulation'
      ]!;
    const t = tests.find((x) => x.label === 'Fluid Accumulation')!;
    expect(t.z).toBeCloseTo(ref.z, 9);
    expect(tests.find((x) => x.label === 'Edema')!.p).toBe(1); // identical scores
    expect(evaluate(other).perLabel[fa]!.auroc).toBeCloseTo(ref.aucB, 12);
  });

  it('refuses different images or different truth', () => {
    const a = { labels: ['A'], truth: [[1], [0]], scores: [[0.8], [0.1]] };
    expect(() => delongPerLabel(a, { labels: ['A'], truth: [[1]], scores: [[0.3]] })).toThrow(
      /same images/,
    );
    expect(() =>
      delongPerLabel(a, { labels: ['A'], truth: [[0], [1]], scores: [[0.3], [0.2]] }),
    ).toThrow(/"A" differs in row 0/);
  });
});
