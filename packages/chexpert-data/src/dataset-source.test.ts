import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertDatasetFiles,
  chexpertFolderSource,
  datasetSplitFiles,
  parseDatasetSource,
} from './dataset-source.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-source-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('chexpertFolderSource', () => {
  it('names the CSVs of an extracted folder, with its parent as the image root', () => {
    expect(chexpertFolderSource('/d/CheXpert-v1.0-small')).toEqual({
      kind: 'chexpert',
      root: '/d/CheXpert-v1.0-small/..',
      trainCsv: '/d/CheXpert-v1.0-small/train.csv',
      validCsv: '/d/CheXpert-v1.0-small/valid.csv',
    });
    const other = chexpertFolderSource('/d/c', {
      trainCsv: '/v/train.csv',
      testCsv: '/l/test.csv',
    });
    expect(other).toMatchObject({ trainCsv: '/v/train.csv', validCsv: '/d/c/valid.csv' });
    expect(other).toHaveProperty('testCsv', '/l/test.csv');
  });
});

describe('parseDatasetSource', () => {
  it('accepts both kinds and returns only their fields', () => {
    const synthetic = { kind: 'synthetic', dir: '/s', patients: 40, seed: 7 };
    expect(parseDatasetSource({ ...synthetic, extra: 1 })).toEqual(synthetic);
    const chexpert = chexpertFolderSource('/d/c', { testCsv: '/t.csv' });
    expect(parseDatasetSource(JSON.parse(JSON.stringify(chexpert)))).toEqual(chexpert);
  });

  it('names the field of each bad value', () => {
    expect(() => parseDatasetSource(undefined)).toThrow(/^data: missing/);
    expect(() => parseDatasetSource({ kind: 'imagenet' }, 'cfg.data')).toThrow(
      /^cfg\.data\.kind: "imagenet" is not synthetic or chexpert/,
    );
    expect(() => parseDatasetSource({ kind: 'synthetic', dir: 3 })).toThrow(
      /^data\.dir: must be a path/,
    );
    expect(() =>
      parseDatasetSource({ kind: 'synthetic', dir: '/s', patients: 2.5, seed: 1 }),
    ).toThrow(RangeError);
    expect(() =>
      parseDatasetSource({ kind: 'synthetic', dir: '/s', patients: 4, seed: -1 }),
    ).toThrow(/^data\.seed: -1 is not an integer ≥ 0/);
    expect(() =>
      parseDatasetSource({ kind: 'chexpert', root: '/r', trainCsv: '/t', validCsv: '' }),
    ).toThrow(/^data\.validCsv: must be a path/);
  });
});

describe('datasetSplitFiles', () => {
  it('uses the validation labels as test labels when a CheXpert source has none', async () => {
    const dir = path.join(root, 'CheXpert-v1.0-small');
    fs.mkdirSync(dir);
    for (const f of ['train.csv', 'valid.csv']) fs.writeFileSync(path.join(dir, f), 'Path\n');
    const source = chexpertFolderSource(dir);
    expect(await datasetSplitFiles(source)).toEqual({
      roots: [`${dir}/..`],
      csv: { train: `${dir}/train.csv`, valid: `${dir}/valid.csv`, test: `${dir}/valid.csv` },
    });
    const test = path.join(root, 'test_labels.csv');
    fs.writeFileSync(test, 'Path\n');
    const files = await datasetSplitFiles(chexpertFolderSource(dir, { testCsv: test }));
    expect(files.csv.test).toBe(test);
  });

  it('names a missing label file before anything is read', async () => {
    const source = chexpertFolderSource(path.join(root, 'nowhere'));
    expect(() => assertDatasetFiles(source)).toThrow(/missing dataset file .*nowhere\/train\.csv/);
    await expect(datasetSplitFiles(source)).rejects.toThrow(/missing dataset file/);
    expect(() =>
      assertDatasetFiles({ kind: 'synthetic', dir: '/x', patients: 4, seed: 1 }),
    ).not.toThrow();
  });

  it('generates a synthetic source once and gives its three label files', async () => {
    const dir = path.join(root, 'synthetic');
    const lines: string[] = [];
    const files = await datasetSplitFiles({ kind: 'synthetic', dir, patients: 4, seed: 3 }, (l) =>
      lines.push(l),
    );
    expect(files.roots).toEqual([dir, root]);
    expect(files.csv).toEqual({
      train: path.join(dir, 'train.csv'),
      valid: path.join(dir, 'valid.csv'),
      test: path.join(dir, 'test_labels.csv'),
    });
    for (const f of Object.values(files.csv)) expect(fs.existsSync(f)).toBe(true);
    expect(lines[0]).toMatch(/generating the synthetic CheXpert-format dataset/);
    lines.length = 0;
    await datasetSplitFiles({ kind: 'synthetic', dir, patients: 4, seed: 3 }, (l) => lines.push(l));
    expect(lines).toEqual([]);
  });
});
