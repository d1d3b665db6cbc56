import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { CsvError, patientIdFromPath } from '@cihmlc/internal';
import {
  applyUncertaintyPolicy,
  type BlankPolicy,
  chexpertTaxonomy,
  deriveLabels,
  deriveLabelsMasked,
  type LabelMatrix,
  type LabelSet,
  taxonomyForLabelSet,
  type UncertaintyPolicy,
} from '@cihmlc/taxonomy';
import { type LabelCsv, type ReadLabelCsvOptions, readLabelCsv } from './csv.js';

export interface DatasetFilters {
  /** Keep frontal views only. */
  frontalOnly?: boolean;
  /** Keep these AP/PA values (e.g. ['AP', 'PA']); laterals have none and are dropped. */
  projections?: string[];
  /** Keep these Sex values (e.g. ['Female']). */
  sex?: string[];
}

export interface LoadDatasetOptions {
  /** A label CSV file, or one already read with readLabelCsv. */
  csv: string | LabelCsv;
  /** Directories the CSV paths are resolved against, first match wins. */
  roots: string[];
  /** A name for messages and caches (e.g. 'train'). */
  name?: string;
  filters?: DatasetFilters;
  /** Uncertainty policy for -1 values (default 'zeros'). */
  policy?: UncertaintyPolicy;
  /** Blanks read as 0 (default) or masked. */
  blank?: BlankPolicy;
  /** Output label set (default 'hierarchical21'). */
  labelSet?: LabelSet;
  /**
   * Image files that do not exist: 'skip' (default, counted), 'fatal', or 'unchecked' (no
   * file-system access; files are the CSV paths under the first root).
   */
  missingImages?: 'skip' | 'fatal' | 'unchecked';
  csvOptions?: ReadLabelCsvOptions;
}

export interface DatasetReport {
  rowsRead: number;
  badRows: number;
  filteredOut: number;
  missingImages: number;
  /** Up to 20 missing paths, for the message. */
  missingExamples: string[];
}

/** Items and labels ready for training: plain arrays, one entry per image. */
export interface Dataset {
  name: string;
  csvFile: string;
  /** Paths as written in the CSV. */
  paths: string[];
  /** Resolved image files (the CSV path when images are unchecked and nothing matched). */
  files: string[];
  patientIds: string[];
  views: string[];
  labels: LabelMatrix;
  /** Present when some labels are masked (U-Ignore or ignored blanks): 1 = counts. */
  mask?: LabelMatrix;
  outputLabels: string[];
  labelSet: LabelSet;
  policy: UncertaintyPolicy;
  blank: BlankPolicy;
  filters: DatasetFilters;
  report: DatasetReport;
}

export class MissingImagesError extends Error {
  readonly missing: string[];
  constructor(csvFile: string, missing: string[], count: number, roots: string[]) {
    super(
      `${csvFile}: ${count} image file(s) not found under ${roots.join(', ')}; first: ${missing.slice(0, 5).join(', ')}`,
    );
    this.name = 'MissingImagesError';
    this.missing = missing;
  }
}

/**
 * The patient id of a CheXpert path (`…/patient00042/study1/…` → `patient00042`), or `null` when
 * the path has none (the same function as @cihmlc/metrics' `patientIdFromPath`).
 */
export { patientIdFromPath };

/**
 * `(p) => path.join(root, p)`, skipping join's normalisation for paths that are already normal
 * (relative, no empty, '.' or '..' segment): on a 223,414-row CSV join alone took ~0.4 s.
 */
export function joinUnder(root: string): (path: string) => string {
  const base = join(root, '.');
  if (sep !== '/' || root === '') return (path) => join(root, path);
  const prefix = base === '.' ? '' : base.endsWith('/') ? base : `${base}/`;
  return (path) =>
    path.length > 0 && path[0] !== '/' && !path.includes('//') && !DOT_SEGMENT.test(path)
      ? prefix + path
      : join(root, path);
}

const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * Where a CSV path lives under the roots. CheXpert paths start with the release directory
 * (`CheXpert-v1.0-small/train/…`), so each root is tried with the full path and without its
 * first segment: both the release's parent directory and the release directory itself work.
 */
export function resolveImagePath(path: string, roots: string[]): string | undefined {
  if (isAbsolute(path)) return existsSync(path) ? path : undefined;
  const slash = path.indexOf('/');
  const tail = slash > 0 ? path.slice(slash + 1) : undefined;
  for (const root of roots) {
    const full = join(root, path);
    if (existsSync(full)) return full;
    if (tail !== undefined) {
      const short = join(root, tail);
      if (existsSync(short)) return short;
    }
  }
  return undefined;
}

/**
 * Reads a label CSV and turns it into a dataset: filters, image resolution, uncertainty policy
 * and label derivation (both from @cihmlc/taxonomy).
 */
export async function loadDataset(opts: LoadDatasetOptions): Promise<Dataset> {
  const csv =
    typeof opts.csv === 'string' ? await readLabelCsv(opts.csv, opts.csvOptions) : opts.csv;
  const filters = opts.filters ?? {};
  const policy = opts.policy ?? 'zeros';
  const blank = opts.blank ?? 'zero';
  const labelSet = opts.labelSet ?? 'hierarchical21';
  const missingMode = opts.missingImages ?? 'skip';
  const keep: number[] = [];
  const files: string[] = [];
  const underFirstRoot = joinUnder(opts.roots[0] ?? '.');
  const missingExamples: string[] = [];
  let missing = 0;
  let filteredOut = 0;
  for (let r = 0; r < csv.rows; r++) {
    if (filters.frontalOnly && csv.view[r] !== 'Frontal') {
      filteredOut++;
      continue;
    }
    if (filters.projections && !filters.projections.includes(csv.projection[r]!)) {
      filteredOut++;
      continue;
    }
    if (filters.sex && !filters.sex.includes(csv.sex[r]!)) {
      filteredOut++;
      continue;
    }
    const path = csv.paths[r]!;
    if (missingMode === 'unchecked') {
      // No file-system access at all (label-only work on large CSVs): the first root.
      files.push(underFirstRoot(path));
    } else {
      const file = resolveImagePath(path, opts.roots);
      if (file === undefined) {
        missing++;
        if (missingExamples.length < 20)
          missingExamples.push(`${path} (${csv.file}:${csv.lines[r]})`);
        continue;
      }
      files.push(file);
    }
    keep.push(r);
  }
  if (missing > 0 && missingMode === 'fatal')
    throw new MissingImagesError(csv.file, missingExamples, missing, opts.roots);

  const raw = new Float32Array(keep.length * 14);
  for (let k = 0; k < keep.length; k++) {
    const r = keep[k]!;
    raw.set(csv.raw.data.subarray(r * 14, r * 14 + 14), k * 14);
  }
  const taxonomy = taxonomyForLabelSet(chexpertTaxonomy, labelSet);
  const applied = applyUncertaintyPolicy({ rows: keep.length, cols: 14, data: raw }, policy, {
    blank,
  });
  let labels: LabelMatrix;
  let mask: LabelMatrix | undefined;
  if (applied.mask) {
    const derived = deriveLabelsMasked(applied.labels, applied.mask, taxonomy);
    labels = derived.labels;
    mask = derived.mask;
  } else {
    labels = deriveLabels(applied.labels, taxonomy);
  }
  const paths = keep.map((r) => csv.paths[r]!);
  const dataset: Dataset = {
    name: opts.name ?? csv.file,
    csvFile: csv.file,
    paths,
    files,
    patientIds: keep.map((r, k) => {
      const id = patientIdFromPath(paths[k]!);
      if (id !== null) return id;
      throw new CsvError({
        file: csv.file,
        line: csv.lines[r]!,
        column: 'Path',
        value: paths[k]!,
        reason: 'no patient id (patientNNNNN) in the path',
      });
    }),
    views: keep.map((r) => csv.view[r]!),
    labels,
    outputLabels: [...taxonomy.outputLabels],
    labelSet,
    policy,
    blank,
    filters,
    report: {
      rowsRead: csv.rows,
      badRows: csv.badRowCount,
      filteredOut,
      missingImages: missing,
      missingExamples,
    },
  };
  if (mask) dataset.mask = mask;
  return dataset;
}

/** Images of a dataset by index (a split of it), labels and mask sliced to match. */
export function subsetDataset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const cols = ds.labels.cols;
  const pick = (m: LabelMatrix): LabelMatrix => {
    const data = new Float32Array(indices.length * cols);
    for (let k = 0; k < indices.length; k++) {
      const r = indices[k]!;
      data.set(m.data.subarray(r * cols, (r + 1) * cols), k * cols);
    }
    return { rows: indices.length, cols, data };
  };
  const at = <T>(xs: T[]) => Array.from(indices, (i) => xs[i]!);
  const out: Dataset = {
    ...ds,
    name,
    paths: at(ds.paths),
    files: at(ds.files),
    patientIds: at(ds.patientIds),
    views: at(ds.views),
    labels: pick(ds.labels),
  };
  if (ds.mask) out.mask = pick(ds.mask);
  else delete out.mask;
  return out;
}

export interface LabelStatistic {
  label: string;
  positives: number;
  negatives: number;
  /** Entries excluded by the mask (U-Ignore). */
  masked: number;
  /** positives / (positives + negatives). */
  prevalence: number;
}

/** Positive, negative and masked counts per output label. */
export function labelStatistics(
  ds: Pick<Dataset, 'labels' | 'mask' | 'outputLabels'>,
): LabelStatistic[] {
  const { rows, cols, data } = ds.labels;
  return ds.outputLabels.map((label, c) => {
    let positives = 0;
    let negatives = 0;
    let masked = 0;
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      if (ds.mask && ds.mask.data[i] === 0) masked++;
      else if (data[i] === 1) positives++;
      else negatives++;
    }
    return {
      label,
      positives,
      negatives,
      masked,
      prevalence: positives / Math.max(1, positives + negatives),
    };
  });
}

export interface PatientSplitFractions {
  [split: string]: number;
}

/**
 * Splits image indices by patient (no patient in two splits), seeded: patients are shuffled by a
 * hash of (seed, patient id) and assigned to splits by cumulative fraction of patients.
 */
export function splitByPatient(
  patientIds: readonly string[],
  fractions: PatientSplitFractions,
  seed = 2408,
): Record<string, number[]> {
  const names = Object.keys(fractions);
  const total = names.reduce((s, n) => s + fractions[n]!, 0);
  if (!(total > 0)) throw new RangeError('splitByPatient: fractions must sum to a positive number');
  const unique = [...new Set(patientIds)];
  const key = (id: string) => createHash('sha256').update(`${seed}:${id}`).digest().readUInt32BE(0);
  const order = unique
    .map((id) => ({ id, k: key(id) }))
    .sort((a, b) => a.k - b.k || (a.id < b.id ? -1 : 1));
  const splitOf = new Map<string, string>();
  let acc = 0;
  let next = 0;
  names.forEach((name, s) => {
    acc += fractions[name]! / total;
    const end = s === names.length - 1 ? order.length : Math.round(acc * order.length);
    for (; next < end; next++) splitOf.set(order[next]!.id, name);
  });
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  patientIds.forEach((id, i) => {
    out[splitOf.get(id)!]!.push(i);
  });
  return out;
}

/** Throws when a patient appears in more than one of the datasets (leakage check). */
export function assertPatientDisjoint(splits: Record<string, Pick<Dataset, 'patientIds'>>): void {
  const owner = new Map<string, string>();
  for (const [name, ds] of Object.entries(splits)) {
    for (const id of new Set(ds.patientIds)) {
      const prev = owner.get(id);
      if (prev !== undefined && prev !== name)
        throw new Error(`patient ${id} is in both "${prev}" and "${name}"`);
      owner.set(id, name);
    }
  }
}
