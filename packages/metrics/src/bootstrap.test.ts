import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS } from '../test/reference.js';
import { bootstrapAuroc } from './bootstrap.js';
import { delongVariance } from './delong.js';
import { column } from './matrix.js';
import { patientIdFromPath, patientIdsFromPaths } from './patients.js';
import { readPredictionsFile } from './read-predictions.js';

const truth = [
  [1, 0],
  [0, 1],
  [1, 1],
  [0, 0],
  [1, 0],
  [0, 1],
];
const scores = [
  [0.9, 0.2],
  [0.3, 0.6],
  [0.6, 0.7],
  [0.4, 0.5],
  [0.35, 0.1],
  [0.2, 0.4],
];

describe('bootstrapAuroc', () => {
  it('is reproducible for a seed and changes with the seed', () => {
    const a = bootstrapAuroc({ labels: ['A', 'B'], truth, scores }, { iterations: 200, seed: 1 });
    const b = bootstrapAuroc({ labels: ['A', 'B'], truth, scores }, { iterations: 200, seed: 1 });
    const c = bootstrapAuroc({ labels: ['A', 'B'], truth, scores }, { iterations: 200, seed: 2 });
    expect(a).toEqual(b);
    expect(
      a.perLabel[0]!.lower === c.perLabel[0]!.lower &&
        a.average.micro.upper === c.average.micro.upper,
    ).toBe(false);
    expect(a.unit).toBe('image');
  });

  it('resamples whole groups: with one group every resample is the full data', () => {
    const groups = truth.map(() => 'patient1');
    const r = bootstrapAuroc({ labels: ['A', 'B'], truth, scores }, { iterations: 50, groups });
    expect(r.unit).toBe('group');
    expect(r.units).toBe(1);
    for (const l of r.perLabel) {
      expect(l.lower).toBe(l.estimate);
      expect(l.upper).toBe(l.estimate);
      expect(l.resamples).toBe(50);
    }
  });

  it('counts only resamples where a label keeps both classes', () => {
    // One positive in 6 images: about (5/6)^6 ≈ 33% of resamples lose it.
    const r = bootstrapAuroc(
      {
        labels: ['A'],
        truth: [[1], [0], [0], [0], [0], [0]],
        scores: [[0.9], [0.1], [0.2], [0.3], [0.4], [0.5]],
      },
      {
        iterations: 300,
      },
    );
    expect(r.perLabel[0]!.resamples).toBeLessThan(260);
    expect(r.perLabel[0]!.resamples).toBeGreaterThan(140);
    expect(r.perLabel[0]!.lower).toBe(1);
  });

  it('gives on the reference file an interval as wide as DeLong’s normal interval (±25%)', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    const groups = patientIdsFromPaths(p.paths);
    expect(groups).not.toBeNull();
    const r = bootstrapAuroc(
      { labels: p.labels, truth: p.truth, scores: p.scores },
      { iterations: 400, seed: 2408, groups },
    );
    expect(r.unit).toBe('group');
    for (const label of ['Abnormal', 'Atelectasis', 'Opacity']) {
      const c = p.labels.indexOf(label);
      const { auroc, variance } = delongVariance(column(p.truth, c), column(p.scores, c));
      const boot = r.perLabel[c]!;
      expect(boot.estimate).toBe(auroc);
      expect(boot.lower!).toBeLessThan(auroc);
      expect(boot.upper!).toBeGreaterThan(auroc);
      const width = boot.upper! - boot.lower!;
      const normalWidth = 2 * 1.959963984540054 * Math.sqrt(variance);
      expect(width / normalWidth, label).toBeGreaterThan(0.75);
      expect(width / normalWidth, label).toBeLessThan(1.25);
    }
    expect(r.average.weighted.lower!).toBeLessThan(r.average.weighted.estimate!);
    expect(r.average.weighted.upper!).toBeGreaterThan(r.average.weighted.estimate!);
  });

  it('validates its options', () => {
    expect(() =>
      bootstrapAuroc(
        { labels: ['A'], truth: [[1], [0]], scores: [[0.2], [0.1]] },
        { iterations: 0 },
      ),
    ).toThrow(/iterations/);
    expect(() =>
      bootstrapAuroc({ labels: ['A'], truth: [[1], [0]], scores: [[0.2], [0.1]] }, { level: 1 }),
    ).toThrow(/level/);
    expect(() =>
      bootstrapAuroc(
        { labels: ['A'], truth: [[1], [0]], scores: [[0.2], [0.1]] },
        { groups: ['x'] },
      ),
    ).toThrow(/1 group ids for 2 images/);
  });
});

describe('patient ids', () => {
  it('parses CheXpert paths', () => {
    expect(patientIdFromPath('test/patient64741/study1/view1_frontal.jpg')).toBe('patient64741');
    expect(patientIdFromPath('CheXpert-v1.0/valid/patient64541/study1/view1_frontal.jpg')).toBe(
      'patient64541',
    );
    expect(patientIdFromPath('images/xray1.png')).toBeNull();
    expect(patientIdsFromPaths(['a/patient1/x.jpg', 'b.jpg'])).toBeNull();
  });
});
