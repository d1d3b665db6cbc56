import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chexpertTaxonomy, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareCache } from './cache.js';
import { loadDataset } from './dataset.js';
import { CacheError } from './open-cache.js';
import { type OpenSplitsCacheOptions, openSplitsCache, splitsCacheName } from './splits-cache.js';
import { generateSyntheticDataset } from './synthetic/generate.js';
import { tempDir } from './test-support/fixtures.js';

const SIZE = 16;
let data: string;
let csv: { train: string; valid: string; test: string };

beforeAll(async () => {
  data = tempDir('cxd-splits-');
  const s = await generateSyntheticDataset({
    outDir: data,
    patients: 12,
    seed: 11,
    imageSize: 32,
    workers: 0,
  });
  csv = { train: s.files.train, valid: s.files.valid, test: s.files.test };
});

function options(over: Partial<OpenSplitsCacheOptions> = {}): OpenSplitsCacheOptions {
  return { roots: [data], csv, size: SIZE, cacheRoot: tempDir('cxd-root-'), workers: 0, ...over };
}

describe('openSplitsCache', () => {
  it('reads each split with the settings and opens a cache of exactly those datasets', async () => {
    const lines: string[] = [];
    let progress = 0;
    const opts = options({
      policy: 'ones',
      labelSet: 'flat15',
      filters: { frontalOnly: true },
      log: (l) => lines.push(l),
      onProgress: () => progress++,
    });
    const r = await openSplitsCache(opts);
    expect(r.cacheDir).toBe(join(opts.cacheRoot, `cache-${SIZE}-flat15-ones-frontal`));
    expect(r.status).toBe('built');
    expect(progress).toBeGreaterThanOrEqual(3);
    expect(Object.keys(r.datasets)).toEqual(['train', 'valid', 'test']);
    expect(r.cache.outputLabels).toEqual(
      taxonomyForLabelSet(chexpertTaxonomy, 'flat15').outputLabels,
    );
    for (const name of ['train', 'valid', 'test'] as const) {
      // An independent read of the same CSV with the same settings.
      const want = await loadDataset({
        csv: csv[name],
        roots: [data],
        policy: 'ones',
        labelSet: 'flat15',
        filters: { frontalOnly: true },
      });
      const got = r.datasets[name]!;
      expect(got.name).toBe(name);
      expect(got.paths).toEqual(want.paths);
      expect(got.views.every((v) => v === 'Frontal')).toBe(true);
      expect(Array.from(got.labels.data)).toEqual(Array.from(want.labels.data));
      const split = r.cache.splits[name]!;
      expect(split.count).toBe(want.paths.length);
      expect(split.paths).toEqual(want.paths);
      expect(Array.from(split.labels.data)).toEqual(Array.from(want.labels.data));
    }
    expect(lines.some((l) => /image cache built \(.*16×16\)/.test(l))).toBe(true);
    expect(lines.some((l) => /skipped/.test(l))).toBe(false);
    await r.cache.close();

    const again = await openSplitsCache({ ...opts, log: undefined, onProgress: undefined });
    expect(again.status).toBe('reused');
    expect(again.cacheDir).toBe(r.cacheDir);
    expect(again.cache.index.fingerprint).toBe(r.cache.index.fingerprint);
    await again.cache.close();
  });

  it('reuses a cache prepared from loadDataset + prepareCache in the folder of its settings', async () => {
    const cacheRoot = tempDir('cxd-root-');
    // The way the trainer prepared its caches before: existing caches must not be rebuilt.
    const common = {
      roots: [data],
      policy: 'ignore' as const,
      labelSet: 'hierarchical21' as const,
    };
    const splits = {
      train: await loadDataset({ ...common, csv: csv.train, name: 'train' }),
      valid: await loadDataset({ ...common, csv: csv.valid, name: 'valid' }),
      test: await loadDataset({ ...common, csv: csv.test, name: 'test' }),
    };
    const old = await prepareCache({
      cacheDir: join(cacheRoot, `cache-${SIZE}-hierarchical21-ignore`),
      splits,
      size: SIZE,
      workers: 0,
    });
    const r = await openSplitsCache(
      options({ cacheRoot, policy: 'ignore', filters: { frontalOnly: false } }),
    );
    expect(r.status).toBe('reused');
    expect(r.cache.index.fingerprint).toBe(old.index.fingerprint);
    expect(r.cache.splits.train!.mask).toBeDefined();
    await r.cache.close();
  });

  it('logs skipped bad rows and missing images per split', async () => {
    const dir = tempDir('cxd-bad-');
    const rows = readFileSync(csv.valid, 'utf8').trimEnd().split('\n');
    const [header, first] = [rows[0]!, rows[1]!];
    const missing = first.replace(/patient(\d+)/, 'patient99999');
    const bad = first.replace(/,Male,|,Female,/, ',Male,not-an-age,');
    const file = join(dir, 'valid.csv');
    writeFileSync(file, `${[...rows, missing, bad].join('\n')}\n`);
    expect(header).toMatch(/^Path,/);
    const lines: string[] = [];
    const opts = options({ csv: { valid: file }, log: (l) => lines.push(l) });
    await expect(openSplitsCache(opts)).rejects.toThrow(/valid\.csv.*line/);
    const r = await openSplitsCache({ ...opts, onBadRow: 'skip' });
    expect(lines).toContain('  valid: 1 bad rows skipped, 1 missing images skipped');
    expect(r.datasets.valid!.paths.length).toBe(rows.length - 1);
    await r.cache.close();
  });

  it('a split without a usable image is an error naming its CSV', async () => {
    const dir = tempDir('cxd-empty-');
    const header = readFileSync(csv.test, 'utf8').split('\n')[0]!;
    const empty = join(dir, 'empty_test.csv');
    writeFileSync(empty, `${header}\n`);
    await expect(openSplitsCache(options({ csv: { ...csv, test: empty } }))).rejects.toThrow(
      `${empty}: no usable images in the test split`,
    );
    // All rows filtered away is the same error.
    await expect(
      openSplitsCache(options({ csv: { valid: csv.valid }, filters: { sex: ['nobody'] } })),
    ).rejects.toThrow(/valid\.csv: no usable images in the valid split/);
  });

  it('refuses a cache whose output labels are not the label set outputs', async () => {
    const opts = options({ labelSet: 'flat14' });
    const r = await openSplitsCache(opts);
    await r.cache.close();
    const indexFile = join(r.cacheDir, 'index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    index.outputLabels[0] = 'Something Else';
    writeFileSync(indexFile, JSON.stringify(index));
    const err = await openSplitsCache(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheError);
    expect((err as Error).message).toBe(
      `${r.cacheDir}: cache labels do not match the flat14 outputs`,
    );
  });

  it('checks its options once, naming the field', async () => {
    const bad: [Partial<OpenSplitsCacheOptions>, ErrorConstructor, RegExp][] = [
      [{ roots: [] }, RangeError, /roots/],
      [{ roots: 'data' as never }, TypeError, /roots/],
      [{ csv: {} }, RangeError, /csv: no split/],
      [{ csv: { '../x': 'a.csv' } }, RangeError, /split name "\.\.\/x"/],
      [{ csv: { train: 3 as never } }, TypeError, /csv\.train/],
      [{ policy: 'maybe' as never }, RangeError, /policy/],
      [{ labelSet: 'flat13' as never }, RangeError, /labelSet/],
      [{ size: 0 }, RangeError, /size/],
      [{ size: 1.5 }, RangeError, /size/],
      [{ cacheRoot: '' }, TypeError, /cacheRoot/],
      [{ workers: -1 }, RangeError, /workers/],
      [{ filters: { lateral: true } as never }, TypeError, /filters\.lateral/],
      [{ filters: { frontalOnly: 'yes' as never } }, TypeError, /filters\.frontalOnly/],
      [{ filters: { sex: 'Female' as never } }, TypeError, /filters\.sex/],
      [{ onBadRow: 'ignore' as never }, RangeError, /onBadRow/],
      [{ log: 'console' as never }, TypeError, /log/],
    ];
    for (const [over, type, message] of bad) {
      const err = await openSplitsCache(options(over)).catch((e: unknown) => e);
      expect(err, JSON.stringify(over)).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('splitsCacheName', () => {
  it('names the settings; filters other than frontal get their own suffix', () => {
    const base = { size: 320, labelSet: 'hierarchical21', policy: 'zeros' } as const;
    expect(splitsCacheName(base)).toBe('cache-320-hierarchical21-zeros');
    expect(splitsCacheName({ ...base, filters: { frontalOnly: true } })).toBe(
      'cache-320-hierarchical21-zeros-frontal',
    );
    expect(
      splitsCacheName({ ...base, filters: { projections: ['AP', 'PA'], sex: ['Female'] } }),
    ).toBe('cache-320-hierarchical21-zeros-proj-AP+PA-sex-Female');
    expect(splitsCacheName({ ...base, filters: { sex: ['a/b'] } })).toBe(
      'cache-320-hierarchical21-zeros-sex-a_b',
    );
  });
});
