import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CHEXPERT_LABELS } from '@cihmlc/taxonomy';
import { describe, expect, it } from 'vitest';
import { readLabelCsv } from '../csv.js';
import { Random } from '../random.js';
import { tempDir } from '../test-support/fixtures.js';
import {
  CHEXPERT_HEADER,
  generateSyntheticDataset,
  VISUALCHEXBERT_LABEL_ORDER,
} from './generate.js';
import { sampleFindings } from './labels.js';
import { renderRadiograph } from './render.js';

const idx = (label: string) => CHEXPERT_LABELS.indexOf(label as never);

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

describe('sampleFindings: frequencies and co-occurrence', () => {
  const rng = new Random(99);
  const studies = Array.from({ length: 20000 }, () => sampleFindings(rng));
  const rate = (label: string) =>
    studies.filter((s) => s.labels[idx(label)] === 1).length / studies.length;
  const given = (a: string, b: string) => {
    const withB = studies.filter((s) => s.labels[idx(b)] === 1);
    return withB.filter((s) => s.labels[idx(a)] === 1).length / withB.length;
  };

  it('has CheXpert-like prevalences (documented in the README)', () => {
    const ranges: Record<string, [number, number]> = {
      'No Finding': [0.1, 0.15],
      'Enlarged Cardiomediastinum': [0.12, 0.25],
      Cardiomegaly: [0.12, 0.25],
      'Lung Opacity': [0.28, 0.45],
      'Lung Lesion': [0.04, 0.1],
      Edema: [0.15, 0.3],
      Consolidation: [0.08, 0.15],
      Pneumonia: [0.03, 0.1],
      Atelectasis: [0.12, 0.22],
      Pneumothorax: [0.06, 0.12],
      'Pleural Effusion': [0.25, 0.4],
      'Pleural Other': [0.01, 0.05],
      Fracture: [0.03, 0.08],
      'Support Devices': [0.35, 0.55],
    };
    for (const [label, [lo, hi]] of Object.entries(ranges)) {
      const r = rate(label);
      expect(r, label).toBeGreaterThanOrEqual(lo);
      expect(r, label).toBeLessThanOrEqual(hi);
    }
  });

  it('couples Pneumonia with Consolidation and Cardiomegaly with Enlarged Cardiomediastinum', () => {
    expect(given('Consolidation', 'Pneumonia')).toBeGreaterThan(0.6);
    expect(given('Enlarged Cardiomediastinum', 'Cardiomegaly')).toBeGreaterThan(0.75);
    expect(given('Edema', 'Cardiomegaly')).toBeGreaterThan(rate('Edema') * 1.5);
  });

  it('keeps No Finding exclusive of every finding except Support Devices', () => {
    const others = CHEXPERT_LABELS.map((_, i) => i).filter(
      (i) => i !== idx('No Finding') && i !== idx('Support Devices'),
    );
    const violations = studies.filter(
      (s) => s.labels[idx('No Finding')] === 1 && others.some((i) => s.labels[i] === 1),
    );
    expect(violations).toHaveLength(0);
    expect(
      studies.some(
        (s) => s.labels[idx('No Finding')] === 1 && s.labels[idx('Support Devices')] === 1,
      ),
    ).toBe(true);
    // Equivocal images (all labels 0 → Uncertain) exist, and nothing else is all-zero.
    const allZero = studies.filter((s) => s.labels.every((v) => v === 0));
    expect(allZero.length / studies.length).toBeGreaterThan(0.02);
    expect(allZero.every((s) => s.equivocal)).toBe(true);
  });
});

describe('renderRadiograph: findings are visible inside their boxes', () => {
  const size = 96;
  const none = { labels: new Uint8Array(14), equivocal: false };
  for (const label of CHEXPERT_LABELS.slice(1)) {
    it(label, () => {
      for (const seed of [1, 2, 3]) {
        const labels = new Uint8Array(14);
        labels[idx(label)] = 1;
        const base = renderRadiograph(none, 'frontal', size, seed);
        const img = renderRadiograph({ labels, equivocal: false }, 'frontal', size, seed);
        expect(img.findings.map((f) => f.label)).toEqual([label]);
        const b = img.findings[0]!.box;
        expect(b.x0).toBeGreaterThanOrEqual(0);
        expect(b.y1).toBeLessThanOrEqual(1);
        expect(b.x1).toBeGreaterThan(b.x0);
        expect(b.y1).toBeGreaterThan(b.y0);
        // Same seed, same everything else: the difference is the finding. Most of it must lie in
        // the box (2 px margin for the final blur) and be clearly visible there.
        const m = 2 / size;
        let inside = 0;
        let total = 0;
        let insideCount = 0;
        let insideMax = 0;
        for (let i = 0; i < size * size; i++) {
          const x = ((i % size) + 0.5) / size;
          const y = (Math.floor(i / size) + 0.5) / size;
          const d = Math.abs(img.gray[i]! - base.gray[i]!);
          total += d;
          if (x >= b.x0 - m && x <= b.x1 + m && y >= b.y0 - m && y <= b.y1 + m) {
            inside += d;
            insideCount++;
            insideMax = Math.max(insideMax, d);
          }
        }
        expect(
          inside / total,
          `${label} seed ${seed}: share of change inside the box`,
        ).toBeGreaterThan(0.8);
        if (label === 'Support Devices') {
          // Thin radio-opaque lines: sparse in their box, but bright.
          expect(insideMax, `${label} seed ${seed}: brightest change`).toBeGreaterThan(60);
        } else {
          expect(
            inside / insideCount,
            `${label} seed ${seed}: mean change in the box`,
          ).toBeGreaterThan(6);
        }
      }
    });
  }
});

describe('generateSyntheticDataset', () => {
  it('writes a CheXpert-v1.0-small shaped directory, byte-identical for the same seed', async () => {
    const a = tempDir();
    const b = tempDir();
    const c = tempDir();
    const opts = { patients: 12, seed: 5, imageSize: 64 };
    const sa = await generateSyntheticDataset({ ...opts, outDir: a });
    await generateSyntheticDataset({ ...opts, outDir: b });
    await generateSyntheticDataset({ ...opts, seed: 6, outDir: c });
    const fa = listFiles(a)
      .map((f) => relative(a, f))
      .sort();
    expect(fa).toEqual(
      listFiles(b)
        .map((f) => relative(b, f))
        .sort(),
    );
    for (const f of fa)
      expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    expect(readFileSync(join(c, 'train.csv')).equals(readFileSync(join(a, 'train.csv')))).toBe(
      false,
    );

    expect(fa).toEqual(
      expect.arrayContaining([
        'train.csv',
        'valid.csv',
        'test_labels.csv',
        'train_visualCheXbert.csv',
        'findings.json',
        'boxes.csv',
        'train/patient00001/study1/view1_frontal.jpg',
      ]),
    );
    expect(sa.patients).toEqual({ train: 9, valid: 1, test: 2 });
    const train = readFileSync(sa.files.train, 'utf8').split('\n');
    expect(train[0]).toBe(CHEXPERT_HEADER.join(','));
    expect(train[1]).toMatch(
      /^CheXpert-v1\.0-small\/train\/patient00001\/study1\/view1_frontal\.jpg,(Male|Female),\d+,Frontal,(AP|PA),/,
    );
    expect(readFileSync(sa.files.visualCheXbert, 'utf8').split('\n')[0]).toBe(
      `Path,Sex,Age,Frontal/Lateral,AP/PA,${VISUALCHEXBERT_LABEL_ORDER.join(',')}`,
    );
    // Every image listed in a CSV exists; every finding box lies in the image.
    const findings = JSON.parse(readFileSync(sa.files.findings, 'utf8')) as {
      images: { path: string; width: number; findings: { box: number[]; norm: number[] }[] }[];
    };
    expect(findings.images).toHaveLength(sa.images.train + sa.images.valid + sa.images.test);
    for (const im of findings.images) {
      expect(statSync(join(a, im.path.replace('CheXpert-v1.0-small/', ''))).size).toBeGreaterThan(
        500,
      );
      for (const f of im.findings) {
        expect(f.box[0]! >= 0 && f.box[1]! >= 0 && f.box[0]! + f.box[2]! <= im.width + 1).toBe(
          true,
        );
        expect(f.norm.every((v) => v >= 0 && v <= 1)).toBe(true);
      }
    }
  });

  it('puts uncertain and blank values in train.csv only; valid and test are binary', async () => {
    const dir = tempDir();
    const s = await generateSyntheticDataset({
      outDir: dir,
      patients: 400,
      seed: 1,
      images: false,
    });
    const train = await readLabelCsv(s.files.train);
    const values = Array.from(train.raw.data);
    expect(values.filter((v) => v === -1).length / values.length).toBeGreaterThan(0.005);
    expect(values.filter((v) => Number.isNaN(v)).length / values.length).toBeGreaterThan(0.3);
    expect(train.view.filter((v) => v === 'Lateral').length / train.rows).toBeGreaterThan(0.1);
    const valid = await readLabelCsv(s.files.valid);
    expect(Array.from(valid.raw.data).every((v) => v === 0 || v === 1)).toBe(true);
    const test = await readLabelCsv(s.files.test);
    expect(test.format).toBe('chexlocalize');
    expect(test.view.every((v) => v === 'Frontal')).toBe(true);
    const vcb = await readLabelCsv(s.files.visualCheXbert, { format: 'visualchexbert' });
    expect(vcb.rows).toBe(train.rows);
    // VisualCheXbert labels are the truth train.csv was written from: positives agree.
    for (let i = 0; i < vcb.raw.data.length; i++) {
      if (train.raw.data[i] === 1) expect(vcb.raw.data[i]).toBe(1);
    }
  });

  it('limits the train split for CSV-only benchmarks', async () => {
    const s = await generateSyntheticDataset({
      outDir: tempDir(),
      patients: 200,
      images: false,
      maxTrainRows: 123,
    });
    expect(s.images.train).toBe(123);
  });
});
