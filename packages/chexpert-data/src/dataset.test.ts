import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chexpertTaxonomy } from '@cihmlc/taxonomy';
import { describe, expect, it } from 'vitest';
import {
  assertPatientDisjoint,
  joinUnder,
  labelStatistics,
  loadDataset,
  MissingImagesError,
  patientIdFromPath,
  resolveImagePath,
  splitByPatient,
  subsetDataset,
} from './dataset.js';
import { CHEXPERT_COLUMNS, tempDir, writeText } from './test-support/fixtures.js';

const root = tempDir();
const P = 'CheXpert-v1.0-small/train';
const rows = [
  // path, sex, age, view, ap/pa, labels (No Finding … Support Devices)
  `${P}/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,1.0,,,,,,,,,,,,,1.0`,
  `${P}/patient00001/study1/view2_lateral.jpg,Female,68,Lateral,,1.0,,,,,,,,,,,,,1.0`,
  `${P}/patient00002/study1/view1_frontal.jpg,Male,87,Frontal,PA,,,-1.0,,,,,,,,1.0,,,`,
  `${P}/patient00003/study1/view1_frontal.jpg,Male,40,Frontal,AP,,,,,,,,,,,,,,`,
  `${P}/patient00004/study1/view1_frontal.jpg,Female,55,Frontal,PA,,,,,,,,1.0,,,,,,`,
];
const csvFile = writeText(root, 'train.csv', `${CHEXPERT_COLUMNS}\n${rows.join('\n')}\n`);
// Images live in the release directory itself (root/train/...), except patient00004's.
for (const r of rows.slice(0, 4)) {
  const file = join(root, r.split(',')[0]!.replace('CheXpert-v1.0-small/', ''));
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, 'x');
}

const out = chexpertTaxonomy.outputLabels;
const col = (name: string) => out.indexOf(name);

describe('loadDataset', () => {
  it('resolves paths, counts missing images, applies U-Zeros and derives the 21 outputs', async () => {
    const ds = await loadDataset({ csv: csvFile, roots: [root] });
    expect(ds.paths).toHaveLength(4);
    expect(ds.report).toMatchObject({ rowsRead: 5, missingImages: 1, filteredOut: 0 });
    expect(ds.report.missingExamples[0]).toContain('patient00004');
    expect(ds.report.missingExamples[0]).toContain('train.csv:6');
    expect(ds.outputLabels).toEqual(out);
    const at = (r: number, name: string) => ds.labels.data[r * 21 + col(name)];
    // Row 0: No Finding + Support Devices → Other, not Abnormal.
    expect([
      at(0, 'No Finding'),
      at(0, 'Support Devices'),
      at(0, 'Other'),
      at(0, 'Abnormal'),
    ]).toEqual([1, 1, 1, 0]);
    // Row 2: Cardiomegaly -1 → 0 (U-Zeros), Pleural Effusion 1 → Fluid, Opacity, Abnormal.
    expect([
      at(2, 'Cardiomegaly'),
      at(2, 'Cardiac'),
      at(2, 'Pleural Effusion'),
      at(2, 'Fluid Accumulation'),
      at(2, 'Opacity'),
      at(2, 'Abnormal'),
    ]).toEqual([0, 0, 1, 1, 1, 1]);
    // Row 3: all blank → Uncertain.
    expect([at(3, 'Uncertain'), at(3, 'Abnormal')]).toEqual([1, 0]);
    expect(ds.mask).toBeUndefined();
    expect(ds.patientIds).toEqual(['patient00001', 'patient00001', 'patient00002', 'patient00003']);
  });

  it('U-Ones and U-Ignore: -1 becomes 1, or is masked with derived labels masked only when undecided', async () => {
    const ones = await loadDataset({ csv: csvFile, roots: [root], policy: 'ones' });
    expect(ones.labels.data[2 * 21 + col('Cardiomegaly')]).toBe(1);
    expect(ones.labels.data[2 * 21 + col('Cardiac')]).toBe(1);
    const ignore = await loadDataset({ csv: csvFile, roots: [root], policy: 'ignore' });
    const m = (name: string) => ignore.mask!.data[2 * 21 + col(name)];
    // Cardiomegaly unknown → masked; Cardiac depends on it and ECM (0) → unknown → masked.
    expect([m('Cardiomegaly'), m('Cardiac'), m('Enlarged Cardiomediastinum')]).toEqual([0, 0, 1]);
    // Abnormal is decided by the known Pleural Effusion = 1 → known.
    expect(m('Abnormal')).toBe(1);
  });

  it('filters frontal only, by AP/PA and by sex', async () => {
    const frontal = await loadDataset({
      csv: csvFile,
      roots: [root],
      filters: { frontalOnly: true },
    });
    expect(frontal.views).toEqual(['Frontal', 'Frontal', 'Frontal']);
    expect(frontal.report.filteredOut).toBe(1);
    const pa = await loadDataset({ csv: csvFile, roots: [root], filters: { projections: ['PA'] } });
    expect(pa.patientIds).toEqual(['patient00002']);
    const women = await loadDataset({ csv: csvFile, roots: [root], filters: { sex: ['Female'] } });
    expect(women.patientIds).toEqual(['patient00001', 'patient00001']);
  });

  it('flat14 / flat15 label sets', async () => {
    const f14 = await loadDataset({ csv: csvFile, roots: [root], labelSet: 'flat14' });
    expect(f14.labels.cols).toBe(14);
    const f15 = await loadDataset({ csv: csvFile, roots: [root], labelSet: 'flat15' });
    expect(f15.outputLabels).toContain('Uncertain');
    expect(f15.labels.cols).toBe(15);
  });

  it('missing images are fatal when asked, with file and line', async () => {
    const err = await loadDataset({ csv: csvFile, roots: [root], missingImages: 'fatal' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MissingImagesError);
    expect((err as Error).message).toMatch(
      /train\.csv: 1 image file\(s\) not found.*patient00004.*train\.csv:6/,
    );
  });

  it('several roots: the first root that has the file wins, with or without the release prefix', async () => {
    const other = tempDir();
    const f = join(other, 'CheXpert-v1.0-small/train/patient00004/study1/view1_frontal.jpg');
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, 'x');
    expect(resolveImagePath(`${P}/patient00004/study1/view1_frontal.jpg`, [root, other])).toBe(f);
    const ds = await loadDataset({ csv: csvFile, roots: [root, other] });
    expect(ds.report.missingImages).toBe(0);
    expect(ds.files[4]).toBe(f);
  });
});

describe('labels and splits', () => {
  it('labelStatistics counts positives, negatives and masked entries', async () => {
    const ds = await loadDataset({ csv: csvFile, roots: [root], policy: 'ignore' });
    const stats = Object.fromEntries(labelStatistics(ds).map((s) => [s.label, s]));
    expect(stats['No Finding']).toMatchObject({
      positives: 2,
      negatives: 2,
      masked: 0,
      prevalence: 0.5,
    });
    expect(stats.Cardiomegaly).toMatchObject({ positives: 0, negatives: 3, masked: 1 });
  });

  it('patientIdFromPath', () => {
    expect(
      patientIdFromPath('CheXpert-v1.0-small/valid/patient64541/study1/view1_frontal.jpg'),
    ).toBe('patient64541');
    expect(patientIdFromPath('foo/bar.jpg')).toBeNull();
  });

  it('loadDataset rejects a row whose path has no patient id, naming file and line', async () => {
    const dir = tempDir();
    const path = 'images/xray1.jpg';
    mkdirSync(join(dir, 'images'), { recursive: true });
    writeFileSync(join(dir, path), 'x');
    const file = writeText(
      dir,
      'odd.csv',
      `${CHEXPERT_COLUMNS}\n${path},Female,50,Frontal,AP${',0'.repeat(14)}\n`,
    );
    await expect(loadDataset({ csv: file, roots: [dir] })).rejects.toThrow(
      `${file}: line 2, column "Path": no patient id (patientNNNNN) in the path (value "${path}")`,
    );
  });

  it('splitByPatient keeps each patient in one split, is seeded, and follows the fractions', () => {
    const ids = Array.from(
      { length: 3000 },
      (_, i) => `patient${String(Math.floor(i / 3)).padStart(5, '0')}`,
    );
    const s = splitByPatient(ids, { train: 0.8, valid: 0.1, test: 0.1 }, 7);
    expect(s.train!.length + s.valid!.length + s.test!.length).toBe(3000);
    const patients = (idx: number[]) => new Set(idx.map((i) => ids[i]));
    const [a, b, c] = [patients(s.train!), patients(s.valid!), patients(s.test!)];
    for (const p of b) expect(a.has(p) || c.has(p)).toBe(false);
    for (const p of c) expect(a.has(p)).toBe(false);
    expect(a.size).toBe(800);
    expect(b.size).toBe(100);
    expect(splitByPatient(ids, { train: 0.8, valid: 0.1, test: 0.1 }, 7)).toEqual(s);
    expect(splitByPatient(ids, { train: 0.8, valid: 0.1, test: 0.1 }, 8).valid).not.toEqual(
      s.valid,
    );
  });

  it('subsetDataset and assertPatientDisjoint', async () => {
    const ds = await loadDataset({ csv: csvFile, roots: [root] });
    const a = subsetDataset(ds, [0, 1], 'a');
    const b = subsetDataset(ds, [2, 3], 'b');
    expect(Array.from(a.labels.data)).toEqual(Array.from(ds.labels.data.subarray(0, 42)));
    expect(() => assertPatientDisjoint({ a, b })).not.toThrow();
    expect(() => assertPatientDisjoint({ a, b: subsetDataset(ds, [1, 2]) })).toThrow(
      /patient00001 is in both "a" and "b"/,
    );
  });
});

describe('joinUnder', () => {
  it('gives exactly path.join(root, p), also for paths that need normalising', () => {
    const roots = ['/data', '/data/', 'rel/dir', 'rel/dir/', '.', './', './x/../y', 'x/..', '/'];
    const paths = [
      'CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg',
      'a/b.c/d..e/.hidden/f',
      'a//b',
      './a',
      'a/./b',
      'a/../b',
      '../up',
      'a/b/',
      '/abs/x',
      '',
      '.',
      '..',
      'x/..',
    ];
    for (const root of roots) {
      const f = joinUnder(root);
      for (const p of paths) expect(f(p), `${root} + ${p}`).toBe(join(root, p));
    }
  });
});
