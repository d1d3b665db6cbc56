// Benchmark of the data pipeline (run `pnpm bench` in this package; needs the build in dist/).
// Prints a table; speed goals live here, not in tests. Targets on 2 cores: cache path
// >= 2,000 images/s at 320x320; CSV parse + label derivation of 223,414 rows < 5 s.
// Options: --quick (fewer images and rows), --cache (only the cache section), --dist DIR (the
// build to measure, default ../dist; e.g. an older commit's build, for a before/after).

import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name) => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? process.argv[k + 1] : undefined;
};
const distDir = arg('--dist') ?? join(import.meta.dirname, '..', 'dist');
const {
  DecodePool,
  encodeGrayscaleJpeg,
  generateSyntheticDataset,
  loadDataset,
  openCache,
  prepareCache,
  Random,
  readLabelCsv,
  renderRadiograph,
  sampleFindings,
} = {
  ...(await import(pathToFileURL(resolve(distDir, 'index.js')).href)),
  ...(await import(pathToFileURL(resolve(distDir, 'synthetic.js')).href)),
};
// Bench inputs only: a plain write is enough here.
const writeFileAtomic = (file, data) => writeFile(file, data);

const quick = process.argv.includes('--quick');
const cacheOnly = process.argv.includes('--cache');
const load0 = loadavg();
const rows = [];
let peakRss = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const sampler = setInterval(sample, 20);
const num = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
// 'per cpu-s': the measure per CPU-second of this process (all its threads). On a shared,
// loaded machine wall-clock rates fall with the load; per-CPU-second rates estimate an idle one.
const row = (what, value, unit, cpu, note = '') => {
  rows.push([what, num(value), cpu === undefined ? '' : num(cpu), unit, note]);
  console.error(
    `  ${what}: ${num(value)} ${unit} (per cpu-s: ${cpu === undefined ? '-' : num(cpu)})`,
  );
};
const seconds = async (fn) => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const result = await fn();
  const c = process.cpuUsage(c0);
  return [(performance.now() - t0) / 1000, result, (c.user + c.system) / 1e6];
};

class Done {}
const dir = mkdtempSync(join(tmpdir(), 'cxd-bench-'));
try {
  // 1. Source images like CheXpert-v1.0-small: 320x390 grayscale JPEGs.
  const nImages = quick ? 60 : 240;
  const files = [];
  const rng = new Random(1);
  for (let i = 0; i < nImages; i++) {
    const img = renderRadiograph(sampleFindings(rng), 'frontal', 390, i);
    const crop = new Uint8Array(320 * 390);
    for (let y = 0; y < 390; y++) crop.set(img.gray.subarray(y * 390 + 35, y * 390 + 355), y * 320);
    const file = join(dir, 'src', `img${i}.jpg`);
    await writeFileAtomic(file, encodeGrayscaleJpeg(crop, 320, 390, 92));
    files.push(file);
  }
  for (const workers of cacheOnly ? [] : [1, availableParallelism()]) {
    const pool = new DecodePool({ workers });
    await pool.decode(files[0], 320); // start-up not timed
    const [s] = await seconds(() => Promise.all(files.map((f) => pool.decode(f, 320))));
    await pool.close();
    // Decoding runs in worker threads: this process's CPU time does not isolate it.
    row(
      `decode+resize 320x390 JPEG -> 320x320, ${workers} worker(s)`,
      nImages / s,
      'images/s',
      undefined,
      `${nImages} images`,
    );
  }

  // 2. The cache path: prepare once, then read shuffled batches at 320x320.
  const copies = quick ? 4 : 8;
  // Repeat the images under several patient ids (the cache stores each row).
  const header =
    'Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices';
  const lines = [];
  for (let c = 0; c < copies; c++) {
    files.forEach((_, i) => {
      lines.push(
        `patient${String(c * nImages + i).padStart(5, '0')}/../src/img${i}.jpg,Female,50,Frontal,AP,1.0,,,,,,,,,,,,,`,
      );
    });
  }
  await writeFileAtomic(join(dir, 'bench.csv'), `${header}\n${lines.join('\n')}\n`);
  const ds = await loadDataset({ csv: join(dir, 'bench.csv'), roots: [dir] });
  const cacheDir = join(dir, 'cache');
  const [prepS] = await seconds(() => prepareCache({ cacheDir, splits: { train: ds }, size: 320 }));
  row(
    `prepareCache 320x320, ${availableParallelism()} workers`,
    ds.files.length / prepS,
    'images/s',
    undefined,
    `${ds.files.length} images`,
  );
  // Default: every batch in fresh memory. release(): the caller hands each batch's memory back
  // when done with it (BatchArrays.release / TensorBatch.release). Tensors: the cpu backend.
  const variants = [];
  for (const memory of ['fresh', 'release']) {
    for (const tensors of [false, true]) {
      for (const augment of [false, true]) variants.push({ memory, tensors, augment });
    }
  }
  for (const v of variants) {
    const cache = await openCache(cacheDir);
    const release = v.memory === 'release';
    const pass = async (epoch) => {
      let n = 0;
      const it = v.tensors ? cache.batches : cache.batchArrays;
      for await (const b of it({
        split: 'train',
        batchSize: 16,
        seed: 1,
        epoch,
        augment: v.augment,
      })) {
        n += b.indices.length;
        if (release) {
          if (!b.release) return -1; // a build without release()
          b.release();
        } else if (v.tensors) b.dispose();
      }
      return n;
    };
    // A warm-up epoch, not timed (a build without release() skips the release() rows).
    if ((await pass(99)) < 0) {
      await cache.close();
      continue;
    }
    let n = 0;
    const [s, , cpu] = await seconds(async () => {
      for (let epoch = 0; epoch < 2; epoch++) n += await pass(epoch);
    });
    const what = `cache 320x320 ${v.tensors ? 'tf tensors' : 'arrays'}, ${v.augment ? 'augmented' : 'plain'}, ${release ? 'release()' : 'fresh memory'}`;
    row(what, n / s, 'images/s', n / cpu, `batch 16, ${n} images, load ${loadavg()[0].toFixed(1)}`);
    await cache.close();
  }

  if (cacheOnly) throw new Done();
  // 3. CSV parse + label derivation for a CheXpert-sized train.csv (223,414 rows).
  const csvDir = join(dir, 'csv');
  const nRows = quick ? 20_000 : 223_414;
  const [genS, , genCpu] = await seconds(() =>
    generateSyntheticDataset({
      outDir: csvDir,
      patients: Math.ceil(nRows / 1.35),
      images: false,
      maxTrainRows: nRows,
    }),
  );
  row('generate train.csv (labels only)', genS, 's', genCpu, `${nRows} rows`);
  for (const workers of [1, 2]) {
    const [parseS, parsed, parseCpu] = await seconds(() =>
      readLabelCsv(join(csvDir, 'train.csv'), { workers }),
    );
    row(
      `parse train.csv (fast-csv, ${workers} thread${workers > 1 ? 's' : ''})`,
      parseS,
      's',
      parseCpu,
      `${parsed.rows} rows`,
    );
  }
  for (const policy of ['zeros', 'ignore']) {
    const [s, , cpu] = await seconds(async () => {
      const csv = await readLabelCsv(join(csvDir, 'train.csv'));
      return loadDataset({ csv, roots: [csvDir], policy, missingImages: 'unchecked' });
    });
    row(
      `parse (2 threads) + U-${policy} + derive 21 labels`,
      s,
      's',
      cpu,
      `${nRows} rows, target < 5 s`,
    );
  }
} catch (err) {
  if (!(err instanceof Done)) throw err;
} finally {
  clearInterval(sampler);
  sample();
  rmSync(dir, { recursive: true, force: true });
}
row(
  'peak RSS',
  peakRss / 2 ** 20,
  'MiB',
  undefined,
  `maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);

const head = ['measurement', 'wall', 'per cpu-s', 'unit', 'note'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const fmt = (r) =>
  r
    .map((c, i) =>
      i === 1 || i === 2 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]),
    )
    .join('  ');
const la = (l) => l.map((x) => x.toFixed(1)).join(' ');
console.log(
  `\n@cihmlc/chexpert-data bench (${distDir}) — node ${process.version}, ${availableParallelism()} cores, load average (1, 5, 15 min) ${la(load0)} at the start, ${la(loadavg())} at the end`,
);
console.log(
  "'per cpu-s': the measure per CPU-second of this process (seconds: CPU seconds used)\n",
);
console.log(fmt(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(fmt(r));
