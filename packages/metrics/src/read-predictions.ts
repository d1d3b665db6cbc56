import {
  allLabels,
  chexpertTaxonomy,
  deriveLabels,
  type Taxonomy,
  withOutputs,
} from '@cihmlc/taxonomy';
import { CsvError, readCsv } from './csv.js';
import type { ScoreMatrix } from './matrix.js';

/** A prediction matrix with its ground truth, ready for `evaluate`. */
export interface Predictions {
  /** Column labels, in the file's order. */
  labels: string[];
  /** Image paths, one per row. */
  paths: string[];
  /** 0/1 ground truth, rows × labels. */
  truth: ScoreMatrix;
  /** Scores (probabilities), rows × labels. */
  scores: ScoreMatrix;
  /** The file(s) read. */
  source: string;
  /** How the ground truth was obtained. */
  groundTruth: GroundTruthReport;
}

export interface GroundTruthReport {
  /** Labels whose truth was derived from the taxonomy's source labels. */
  derivedLabels: string[];
  /** For derived labels that the file also had: rows where the file's value differs. */
  changedRows: Record<string, number>;
}

export interface ReadOptions {
  /**
   * `'derive'` (default): when the file has every source label of the taxonomy, the truth of the
   * derived labels (Uncertain, Abnormal, the groups) is recomputed from them (the reference file's
   * own Abnormal_GT disagrees with the paper's derivation, see the fixture README). `'file'`: use
   * the file's truth columns as they are.
   */
  groundTruth?: 'derive' | 'file';
  /** Taxonomy for the derivation (default `chexpertTaxonomy`). */
  taxonomy?: Taxonomy;
}

/** A numeric column being read, with what is needed to locate a bad value. */
interface NumericColumn {
  name: string;
  index: number;
  values: number[];
}

function parseNumber(
  raw: string,
  file: string,
  line: number,
  column: string,
  binary: boolean,
): number {
  const v = raw === '' ? Number.NaN : Number(raw);
  if (binary) {
    if (v !== 0 && v !== 1) {
      throw new CsvError({
        reason: `ground truth ${JSON.stringify(raw)} is not 0 or 1`,
        file,
        line,
        column,
      });
    }
  } else if (!Number.isFinite(v)) {
    throw new CsvError({
      reason: `score ${JSON.stringify(raw)} is not a finite number`,
      file,
      line,
      column,
    });
  }
  return v;
}

function checkHeader(names: string[], file: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (n === '') throw new CsvError({ reason: 'header has an empty column name', file, line: 1 });
    if (seen.has(n))
      throw new CsvError({ reason: 'duplicate column in header', file, line: 1, column: n });
    seen.add(n);
  }
  if (!names.includes('Path'))
    throw new CsvError({ reason: 'header has no "Path" column', file, line: 1 });
}

function toMatrix(columns: number[][], rows: number): ScoreMatrix {
  const cols = columns.length;
  const data = new Float64Array(rows * cols);
  columns.forEach((values, c) => {
    for (let r = 0; r < rows; r++) data[r * cols + c] = values[r]!;
  });
  return { rows, cols, data };
}

/**
 * The truth of every label: derived from the source labels when possible and asked for, else the
 * file's column.
 */
function resolveTruth(
  labels: string[],
  fileTruth: Map<string, number[]>,
  rows: number,
  file: string,
  options: ReadOptions,
): { columns: number[][]; report: GroundTruthReport } {
  const taxonomy = options.taxonomy ?? chexpertTaxonomy;
  const derivedNames = new Set(taxonomy.derived.map((r) => r.label));
  const canDerive =
    (options.groundTruth ?? 'derive') === 'derive' &&
    taxonomy.sourceLabels.every((l) => fileTruth.has(l)) &&
    labels.some((l) => derivedNames.has(l));
  const report: GroundTruthReport = { derivedLabels: [], changedRows: {} };
  let derived: Map<string, number[]> | null = null;
  if (canDerive) {
    const everything = withOutputs(taxonomy, allLabels(taxonomy));
    const sources = taxonomy.sourceLabels.map((l) => fileTruth.get(l)!);
    const sourceRows: number[][] = [];
    for (let r = 0; r < rows; r++) sourceRows.push(sources.map((col) => col[r]!));
    const out = deriveLabels(sourceRows, everything);
    derived = new Map(
      everything.outputLabels.map((l, c) => [l, out.map((row) => row[c]!)] as [string, number[]]),
    );
  }
  const columns = labels.map((label) => {
    if (derived && derivedNames.has(label)) {
      const values = derived.get(label)!;
      report.derivedLabels.push(label);
      const own = fileTruth.get(label);
      if (own) {
        let changed = 0;
        for (let r = 0; r < rows; r++) if (own[r] !== values[r]) changed++;
        if (changed > 0) report.changedRows[label] = changed;
      }
      return values;
    }
    const own = fileTruth.get(label);
    if (!own) {
      throw new CsvError({
        reason: `no ground truth for label "${label}" (no truth column, and it cannot be derived)`,
        file,
        line: 1,
      });
    }
    return own;
  });
  return { columns, report };
}

/**
 * Parses predictions in the reference format: `Path`, then `<Label>_GT` (0/1) and `<Label>_Pred`
 * (score) per label; other columns (e.g. `<Label>_AE`) are ignored. `file` names the source in
 * errors; `text` is the content (use `readPredictionsFile` to stream from disk).
 */
export async function readPredictionsFile(
  file: string,
  options: ReadOptions = {},
  text?: string,
): Promise<Predictions> {
  let labels: string[] = [];
  let pathIndex = -1;
  const gt: NumericColumn[] = [];
  const pred: NumericColumn[] = [];
  const paths: string[] = [];
  await readCsv(
    file,
    {
      header(names) {
        checkHeader(names, file);
        pathIndex = names.indexOf('Path');
        names.forEach((name, index) => {
          if (name.endsWith('_Pred')) pred.push({ name, index, values: [] });
          else if (name.endsWith('_GT')) gt.push({ name, index, values: [] });
        });
        labels = pred.map((c) => c.name.slice(0, -'_Pred'.length));
        if (labels.length === 0) {
          throw new CsvError({
            reason: 'no "<Label>_Pred" columns: not a predictions file',
            file,
            line: 1,
          });
        }
        const gtLabels = new Set(gt.map((c) => c.name.slice(0, -'_GT'.length)));
        const predLabels = new Set(labels);
        for (const l of labels) {
          if (!gtLabels.has(l))
            throw new CsvError({
              reason: `"${l}_Pred" has no "${l}_GT" column`,
              file,
              line: 1,
              column: `${l}_Pred`,
            });
        }
        for (const l of gtLabels) {
          if (!predLabels.has(l))
            throw new CsvError({
              reason: `"${l}_GT" has no "${l}_Pred" column`,
              file,
              line: 1,
              column: `${l}_GT`,
            });
        }
      },
      row(values, line) {
        paths.push(values[pathIndex]!);
        for (const c of gt) c.values.push(parseNumber(values[c.index]!, file, line, c.name, true));
        for (const c of pred)
          c.values.push(parseNumber(values[c.index]!, file, line, c.name, false));
      },
    },
    text,
  );
  const rows = paths.length;
  const fileTruth = new Map(gt.map((c) => [c.name.slice(0, -'_GT'.length), c.values]));
  const { columns, report } = resolveTruth(labels, fileTruth, rows, file, options);
  return {
    labels,
    paths,
    truth: toMatrix(columns, rows),
    scores: toMatrix(
      pred.map((c) => c.values),
      rows,
    ),
    source: file,
    groundTruth: report,
  };
}

/** A `Path` + label-columns file: paths, values per column, and the line of each path. */
interface PathTable {
  paths: string[];
  lines: number[];
  columns: NumericColumn[];
}

async function readPathTable(
  file: string,
  wanted: (name: string) => boolean,
  binary: boolean,
  text?: string,
): Promise<PathTable> {
  const table: PathTable = { paths: [], lines: [], columns: [] };
  let pathIndex = -1;
  await readCsv(
    file,
    {
      header(names) {
        checkHeader(names, file);
        pathIndex = names.indexOf('Path');
        names.forEach((name, index) => {
          if (index !== pathIndex && wanted(name)) table.columns.push({ name, index, values: [] });
        });
      },
      row(values, line) {
        table.paths.push(values[pathIndex]!);
        table.lines.push(line);
        for (const c of table.columns) {
          c.values.push(parseNumber(values[c.index]!, file, line, c.name, binary));
        }
      },
    },
    text,
  );
  return table;
}

/**
 * Reads ground truth and scores from two files, each `Path` plus one column per label. Rows are
 * matched by `Path` (the scores file's order is kept). Every score column needs a truth column of
 * the same name, or must be derivable from the taxonomy's source labels; other columns of the
 * labels file are ignored. `texts` optionally gives the files' contents.
 */
export async function readLabelsAndScores(
  labelsFile: string,
  scoresFile: string,
  options: ReadOptions = {},
  texts: { labels?: string; scores?: string } = {},
): Promise<Predictions> {
  const taxonomy = options.taxonomy ?? chexpertTaxonomy;
  const scores = await readPathTable(scoresFile, () => true, false, texts.scores);
  const labels = scores.columns.map((c) => c.name);
  if (labels.length === 0)
    throw new CsvError({ reason: 'no label columns besides "Path"', file: scoresFile, line: 1 });
  const wanted = new Set([...labels, ...taxonomy.sourceLabels]);
  const truth = await readPathTable(labelsFile, (n) => wanted.has(n), true, texts.labels);
  const rowOf = new Map<string, number>();
  truth.paths.forEach((p, r) => {
    if (rowOf.has(p)) {
      throw new CsvError({
        reason: `duplicate Path ${JSON.stringify(p)}`,
        file: labelsFile,
        line: truth.lines[r]!,
        column: 'Path',
      });
    }
    rowOf.set(p, r);
  });
  const order = scores.paths.map((p, r) => {
    const at = rowOf.get(p);
    if (at === undefined) {
      throw new CsvError({
        reason: `Path ${JSON.stringify(p)} is not in the labels file ${labelsFile}`,
        file: scoresFile,
        line: scores.lines[r]!,
        column: 'Path',
      });
    }
    return at;
  });
  const rows = scores.paths.length;
  const fileTruth = new Map(
    truth.columns.map((c) => [c.name, order.map((r) => c.values[r]!)] as [string, number[]]),
  );
  const { columns, report } = resolveTruth(labels, fileTruth, rows, labelsFile, options);
  return {
    labels,
    paths: scores.paths,
    truth: toMatrix(columns, rows),
    scores: toMatrix(
      scores.columns.map((c) => c.values),
      rows,
    ),
    source: `${labelsFile} + ${scoresFile}`,
    groundTruth: report,
  };
}
