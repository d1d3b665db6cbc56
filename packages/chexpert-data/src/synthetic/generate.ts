import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@cihmlc/internal/node';
import { CHEXPERT_LABELS } from '@cihmlc/taxonomy';
import { WorkerPool, workerScriptAvailable } from '../decode-pool.js';
import { hashSeed, Random } from '../random.js';
import { encodeGrayscaleJpeg } from './jpeg-gray.js';
import {
  DEFAULT_RAW_NOISE,
  type RawLabelNoise,
  rawLabelCells,
  type StudyFindings,
  sampleFindings,
} from './labels.js';
import { type RenderedFinding, renderRadiograph } from './render.js';

/** The directory name CheXpert's paths start with; our generated paths use it too. */
export const CHEXPERT_SMALL_PREFIX = 'CheXpert-v1.0-small';

/** The CheXpert train.csv / valid.csv header. */
export const CHEXPERT_HEADER = [
  'Path',
  'Sex',
  'Age',
  'Frontal/Lateral',
  'AP/PA',
  ...CHEXPERT_LABELS,
];

/** VisualCheXbert's column order (No Finding last), to show readers select columns by name. */
export const VISUALCHEXBERT_LABEL_ORDER = [...CHEXPERT_LABELS.slice(1), CHEXPERT_LABELS[0]];

export interface SyntheticOptions {
  /** Output directory; it receives train.csv, valid.csv, test_labels.csv and train/ valid/ test/. */
  outDir: string;
  /** Number of patients over all splits. */
  patients: number;
  /** Seed for everything (default 2408). Same seed and options → identical bytes. */
  seed?: number;
  /** Side of the square source JPEGs in pixels (default 128). */
  imageSize?: number;
  /** Fraction of patients in valid (default 0.1) and test (default 0.15). */
  validFraction?: number;
  testFraction?: number;
  /** Probability that a train/valid study also has a lateral view (default 0.25). */
  lateralFraction?: number;
  /** Uncertain and blank cells in train.csv (valid and test are binary). */
  rawNoise?: Partial<RawLabelNoise>;
  /** JPEG quality (default 92). */
  quality?: number;
  /** false: write the CSV files only (benchmarks of the readers). Default true. */
  images?: boolean;
  /** Stop the train split after exactly this many rows (CSV-only benchmarks). */
  maxTrainRows?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Worker threads drawing and encoding images (default: available cores when running the built
   * package, else 0 = this thread). Output bytes do not depend on it.
   */
  workers?: number;
  workerScript?: string;
}

export interface SyntheticImageRecord {
  path: string;
  split: 'train' | 'valid' | 'test';
  view: 'frontal' | 'lateral';
  width: number;
  height: number;
  /** Boxes in pixels ([x, y, width, height]) and normalised ([x0, y0, x1, y1]). */
  findings: {
    label: string;
    box: [number, number, number, number];
    norm: [number, number, number, number];
  }[];
}

export interface SyntheticSummary {
  outDir: string;
  files: {
    train: string;
    valid: string;
    test: string;
    visualCheXbert: string;
    findings: string;
    boxes: string;
  };
  images: { train: number; valid: number; test: number };
  patients: { train: number; valid: number; test: number };
}

type Split = 'train' | 'valid' | 'test';

interface Row {
  path: string;
  split: Split;
  sex: string;
  age: number;
  view: 'frontal' | 'lateral';
  projection: string;
  study: StudyFindings;
  raw: string[];
  imageSeed: number;
}

const bin = (v: number) => (v ? '1.0' : '0.0');

function csvLine(cells: (string | number)[]): string {
  return cells
    .map((c) => {
      const s = String(c);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}

/** Plans every row (labels, metadata, seeds) without drawing: cheap and deterministic. */
function planRows(
  opts: SyntheticOptions,
  seed: number,
): { rows: Row[]; patients: Record<Split, number> } {
  const nValid = Math.round(opts.patients * (opts.validFraction ?? 0.1));
  const nTest = Math.round(opts.patients * (opts.testFraction ?? 0.15));
  const nTrain = Math.max(0, opts.patients - nValid - nTest);
  const lateral = opts.lateralFraction ?? 0.25;
  const noise = { ...DEFAULT_RAW_NOISE, ...opts.rawNoise };
  const rows: Row[] = [];
  let trainRows = 0;
  for (let p = 1; p <= opts.patients; p++) {
    const split: Split = p <= nTrain ? 'train' : p <= nTrain + nValid ? 'valid' : 'test';
    const rng = new Random(hashSeed(seed, p));
    const sex = rng.chance(0.55) ? 'Male' : 'Female';
    const age = rng.int(18, 90);
    const studies =
      split === 'train' ? 1 + (rng.chance(0.35) ? 1 : 0) + (rng.chance(0.15) ? 1 : 0) : 1;
    for (let s = 1; s <= studies; s++) {
      const study = sampleFindings(new Random(hashSeed(seed, p, s, 7)));
      const studyRng = new Random(hashSeed(seed, p, s, 8));
      const devices = study.labels[CHEXPERT_LABELS.indexOf('Support Devices')] === 1;
      const views: ('frontal' | 'lateral')[] = ['frontal'];
      if (split !== 'test' && studyRng.chance(lateral)) views.push('lateral');
      views.forEach((view, v) => {
        if (split === 'train' && opts.maxTrainRows !== undefined && trainRows >= opts.maxTrainRows)
          return;
        const projection =
          view === 'lateral' ? '' : studyRng.chance(devices ? 0.85 : 0.6) ? 'AP' : 'PA';
        const path = `${CHEXPERT_SMALL_PREFIX}/${split}/patient${String(p).padStart(5, '0')}/study${s}/view${v + 1}_${view}.jpg`;
        const raw =
          split === 'train'
            ? rawLabelCells(study.labels, new Random(hashSeed(seed, p, s, 9)), noise)
            : Array.from(study.labels, bin);
        rows.push({
          path,
          split,
          sex,
          age: age + s - 1,
          view,
          projection,
          study,
          raw,
          imageSeed: hashSeed(seed, p, s, v),
        });
        if (split === 'train') trainRows++;
      });
    }
  }
  return { rows, patients: { train: nTrain, valid: nValid, test: nTest } };
}

function imageRecord(row: Row, size: number, findings: RenderedFinding[]): SyntheticImageRecord {
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return {
    path: row.path,
    split: row.split,
    view: row.view,
    width: size,
    height: size,
    findings: findings.map((f) => ({
      label: f.label,
      box: [
        Math.floor(f.box.x0 * size),
        Math.floor(f.box.y0 * size),
        Math.ceil((f.box.x1 - f.box.x0) * size),
        Math.ceil((f.box.y1 - f.box.y0) * size),
      ],
      norm: [round(f.box.x0), round(f.box.y0), round(f.box.x1), round(f.box.y1)],
    })),
  };
}

/**
 * Writes a synthetic dataset shaped like CheXpert-v1.0-small (see README "Synthetic dataset"):
 * train.csv / valid.csv with CheXpert's columns, test_labels.csv (CheXlocalize style: Path and
 * 14 binary labels), train_visualCheXbert.csv (binary training labels), JPEG images under
 * train/ valid/ test/, and findings.json + boxes.csv with each finding's box per image.
 * CSV paths start with `CheXpert-v1.0-small/`; readers resolve them against `outDir`.
 */
export async function generateSyntheticDataset(opts: SyntheticOptions): Promise<SyntheticSummary> {
  if (!Number.isInteger(opts.patients) || opts.patients < 1) {
    throw new RangeError(`patients: expected a positive integer, got ${opts.patients}`);
  }
  const seed = opts.seed ?? 2408;
  const size = opts.imageSize ?? 128;
  if (!Number.isInteger(size) || size < 32)
    throw new RangeError(`imageSize: expected an integer >= 32, got ${size}`);
  const quality = opts.quality ?? 92;
  const { rows, patients } = planRows(opts, seed);
  const out = opts.outDir;
  const counts = { train: 0, valid: 0, test: 0 };
  const drawn = rows.filter((r) => {
    counts[r.split]++;
    return opts.images !== false;
  });
  const workers =
    opts.workers ?? (workerScriptAvailable(opts.workerScript) ? availableParallelism() : 0);
  const pool = workers > 0 ? new WorkerPool(workers, opts.workerScript) : undefined;
  const records: SyntheticImageRecord[] = new Array(drawn.length);
  let next = 0;
  let done = 0;
  const draw = async (row: Row): Promise<{ jpeg: Uint8Array; findings: RenderedFinding[] }> => {
    const job = {
      kind: 'render' as const,
      study: row.study,
      view: row.view,
      size,
      seed: row.imageSeed,
      quality,
    };
    if (pool) return pool.run(job);
    const image = renderRadiograph(row.study, row.view, size, row.imageSeed);
    return { jpeg: encodeGrayscaleJpeg(image.gray, size, size, quality), findings: image.findings };
  };
  const runner = async () => {
    while (next < drawn.length) {
      const k = next++;
      const row = drawn[k]!;
      const { jpeg, findings } = await draw(row);
      await writeFileAtomic(join(out, row.path.slice(CHEXPERT_SMALL_PREFIX.length + 1)), jpeg);
      records[k] = imageRecord(row, size, findings);
      opts.onProgress?.(++done, drawn.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, workers * 3) }, runner));
  } finally {
    await pool?.close();
  }
  const meta = (r: Row) => [
    r.path,
    r.sex,
    r.age,
    r.view === 'frontal' ? 'Frontal' : 'Lateral',
    r.projection,
  ];
  const lines = (split: Split, cells: (r: Row) => (string | number)[], header: string[]) =>
    `${[csvLine(header), ...rows.filter((r) => r.split === split).map((r) => csvLine(cells(r)))].join('\n')}\n`;
  const files = {
    train: join(out, 'train.csv'),
    valid: join(out, 'valid.csv'),
    test: join(out, 'test_labels.csv'),
    visualCheXbert: join(out, 'train_visualCheXbert.csv'),
    findings: join(out, 'findings.json'),
    boxes: join(out, 'boxes.csv'),
  };
  await writeFileAtomic(
    files.train,
    lines('train', (r) => [...meta(r), ...r.raw], CHEXPERT_HEADER),
  );
  await writeFileAtomic(
    files.valid,
    lines('valid', (r) => [...meta(r), ...r.raw], CHEXPERT_HEADER),
  );
  await writeFileAtomic(
    files.test,
    lines('test', (r) => [r.path, ...Array.from(r.study.labels, String)], [
      'Path',
      ...CHEXPERT_LABELS,
    ]),
  );
  const vcbIndex = VISUALCHEXBERT_LABEL_ORDER.map((l) => CHEXPERT_LABELS.indexOf(l));
  await writeFileAtomic(
    files.visualCheXbert,
    lines('train', (r) => [...meta(r), ...vcbIndex.map((i) => bin(r.study.labels[i]!))], [
      'Path',
      'Sex',
      'Age',
      'Frontal/Lateral',
      'AP/PA',
      ...VISUALCHEXBERT_LABEL_ORDER,
    ]),
  );
  await writeFileAtomic(
    files.findings,
    `${JSON.stringify({ version: 1, seed, imageSize: size, images: records })}\n`,
  );
  const boxLines = ['Path,Label,x,y,width,height,x0_norm,y0_norm,x1_norm,y1_norm'];
  for (const r of records)
    for (const f of r.findings) boxLines.push(csvLine([r.path, f.label, ...f.box, ...f.norm]));
  await writeFileAtomic(files.boxes, `${boxLines.join('\n')}\n`);
  return { outDir: out, files, images: counts, patients };
}
