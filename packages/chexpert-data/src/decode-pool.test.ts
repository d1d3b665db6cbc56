import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DecodePool } from './decode-pool.js';
import { loadImage } from './image.js';
import { generateSyntheticDataset } from './synthetic/generate.js';
import { tempDir } from './test-support/fixtures.js';

// Worker threads run the built package (global setup builds it into .test-build/dist).
const dist = inject('distDir');
type Built = typeof import('./index.js');
type BuiltSynthetic = typeof import('./synthetic/index.js');
let files: string[];

beforeAll(async () => {
  const dir = tempDir();
  await generateSyntheticDataset({ outDir: dir, patients: 4, seed: 1, imageSize: 40, workers: 0 });
  files = [
    'train/patient00001/study1/view1_frontal.jpg',
    'train/patient00002/study1/view1_frontal.jpg',
  ].map((p) => join(dir, p));
});

describe('DecodePool', () => {
  it('decodes in worker threads from the ESM and the CJS build, same pixels as in-thread', async () => {
    const esm = (await import(pathToFileURL(join(dist, 'index.js')).href)) as Built;
    const cjs = createRequire(import.meta.url)(join(dist, 'index.cjs')) as Built;
    for (const mod of [esm, cjs]) {
      const pool = new mod.DecodePool({ workers: 2 });
      const got = await Promise.all([...files, ...files].map((f) => pool.decode(f, 20)));
      await pool.close();
      for (const [k, img] of got.entries()) {
        const want = await loadImage(files[k % 2]!, 20);
        expect(img.channels).toBe(1);
        expect(Array.from(img.data)).toEqual(Array.from(want.data));
      }
    }
  });

  it('close() settles every job still queued or running (none waits forever)', async () => {
    const esm = (await import(pathToFileURL(join(dist, 'index.js')).href)) as Built;
    const pool = new esm.DecodePool({ workers: 1 });
    const jobs = Array.from({ length: 6 }, (_, k) => pool.decode(files[k % 2]!, 200));
    const allSettled = Promise.allSettled(jobs);
    await pool.close();
    const settled = await allSettled;
    const rejected = settled.filter((r) => r.status === 'rejected');
    // One job may have finished before close(); the queued ones cannot have.
    expect(rejected.length).toBeGreaterThanOrEqual(5);
    for (const r of rejected) expect(String(r.reason)).toMatch(/closed before the job finished/);
    await expect(pool.decode(files[0]!, 8)).rejects.toThrow(/closed/);
    await pool.close(); // twice is fine
  });

  it('reports a missing file through the worker with its path', async () => {
    const esm = (await import(pathToFileURL(join(dist, 'index.js')).href)) as Built;
    const pool = new esm.DecodePool({ workers: 1 });
    await expect(pool.decode('/nonexistent/x.jpg', 8)).rejects.toThrow(/\/nonexistent\/x\.jpg/);
    await pool.close();
  });

  it('renders synthetic images in workers with the same bytes as in-thread', async () => {
    const esm = (await import(pathToFileURL(join(dist, 'synthetic.js')).href)) as BuiltSynthetic;
    const a = tempDir();
    const b = tempDir();
    const opts = { patients: 5, seed: 4, imageSize: 40 };
    await esm.generateSyntheticDataset({ ...opts, outDir: a, workers: 2 });
    await generateSyntheticDataset({ ...opts, outDir: b, workers: 0 });
    const { readFileSync } = await import('node:fs');
    for (const f of ['findings.json', 'train/patient00001/study1/view1_frontal.jpg']) {
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    }
  });

  it('without a built worker file it says so (sources need workers: 0)', () => {
    expect(() => new DecodePool({ workers: 1 })).toThrow(/worker script .* not found/);
    expect(new DecodePool({ workers: 0 }).workers).toBe(0);
  });
});
