import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { CsvError } from '@cihmlc/internal';
import { CHEXPERT_LABELS, type LabelMatrix } from '@cihmlc/taxonomy';
import { parse } from 'fast-csv';

/**
 * Which label file a CSV is: CheXpert's train.csv / valid.csv (values 1, 0, -1, blank), the
 * VisualCheXbert training labels (binary, same metadata columns, another label order), or a
 * CheXlocalize validation/test label file (Path and 14 binary labels).
 */
export type LabelCsvFormat = 'chexpert' | 'visualchexbert' | 'chexlocalize';

export const METADATA_COLUMNS = ['Path', 'Sex', 'Age', 'Frontal/Lateral', 'AP/PA'] as const;

/**
 * A row that could not be read: where (file, 1-based line, column), the value and why. Rows are
 * rejected with a `CsvError` carrying the same fields (shared with @cihmlc/metrics).
 */
export interface BadRow {
  file: string;
  /** 1-based line number (the header is line 1). */
  line: number;
  column: string;
  value: string;
  reason: string;
}

export { CsvError };

export interface ReadLabelCsvOptions {
  /** Default: 'chexlocalize' when the header lacks Sex, else 'chexpert' (accepts binary files too). */
  format?: LabelCsvFormat;
  /** 'abort' (default) throws CsvError at the first bad row; 'skip' drops and counts it. */
  onBadRow?: 'abort' | 'skip';
  /** How many bad rows to keep in `badRows` (default 50); `badRowCount` counts all. */
  maxReported?: number;
  /**
   * Worker threads that parse byte ranges of a large file in parallel (default: 2 for files over
   * 8 MiB when the built worker is available, else 1). Results are identical to one thread's.
   */
  workers?: number;
}

/** A label CSV, column-wise. `raw` holds the 14 labels in CHEXPERT_LABELS order (NaN = blank). */
export interface LabelCsv {
  file: string;
  format: LabelCsvFormat;
  rows: number;
  paths: string[];
  /** CSV line of each row, for messages about later stages. */
  lines: Int32Array;
  /** '' when the file has no such column (CheXlocalize). */
  sex: string[];
  /** NaN when unknown. */
  age: Float32Array;
  /** 'Frontal' / 'Lateral', or '' when unknown (inferred from the path for CheXlocalize). */
  view: string[];
  projection: string[];
  raw: LabelMatrix;
  badRows: BadRow[];
  badRowCount: number;
}

const LABEL_VALUES: Record<string, number> = {
  '1': 1,
  '1.0': 1,
  '0': 0,
  '0.0': 0,
  '-1': -1,
  '-1.0': -1,
  '': Number.NaN,
};

/** Parses label CSV text from a stream; `lineOffset` is added to the line numbers of data rows. */
export async function parseLabelCsvStream(
  input: Readable,
  file: string,
  opts: ReadLabelCsvOptions = {},
  lineOffset = 0,
): Promise<LabelCsv> {
  const onBad = opts.onBadRow ?? 'abort';
  const maxReported = opts.maxReported ?? 50;
  const paths: string[] = [];
  const lines: number[] = [];
  const sex: string[] = [];
  const ages: number[] = [];
  const view: string[] = [];
  const projection: string[] = [];
  let raw = new Float32Array(1024 * 14);
  const badRows: BadRow[] = [];
  let badRowCount = 0;
  let format: LabelCsvFormat = opts.format ?? 'chexpert';
  let col: Record<string, number> = {};
  let labelCols: number[] = [];
  let line = 0;
  let header: string[] | undefined;
  const cells = new Float64Array(14);

  /** A bad data row at the current line (counted from the file's start). */
  const fail = (column: string, value: string, reason: string): 'skip' => {
    const bad: BadRow = { file, line: line + lineOffset, column, value, reason };
    if (onBad === 'abort') throw new CsvError(bad);
    badRowCount++;
    if (badRows.length < maxReported) badRows.push(bad);
    return 'skip';
  };

  const onHeader = (row: string[]) => {
    header = row.map((h) => h.trim());
    col = Object.fromEntries(header.map((h, i) => [h, i]));
    if (opts.format === undefined) format = 'Sex' in col ? 'chexpert' : 'chexlocalize';
    const required =
      format === 'chexlocalize'
        ? ['Path', ...CHEXPERT_LABELS]
        : [...METADATA_COLUMNS, ...CHEXPERT_LABELS];
    for (const name of required) {
      if (!(name in col)) {
        throw new CsvError({
          file,
          line: 1,
          column: name,
          value: '',
          reason: `missing column in header (${format} format)`,
        });
      }
    }
    labelCols = CHEXPERT_LABELS.map((l) => col[l]!);
  };

  const onRow = (row: string[]) => {
    line++;
    if (!header) return onHeader(row);
    const need = header.length;
    if (row.length < need) {
      return fail(
        header[row.length]!,
        '',
        `missing column (row has ${row.length} of ${need} fields)`,
      );
    }
    const path = row[col.Path!]!.trim();
    if (path === '') return fail('Path', '', 'empty path');
    for (let k = 0; k < 14; k++) {
      const text = row[labelCols[k]!]!.trim();
      let v = LABEL_VALUES[text];
      if (v === undefined) {
        const n = text === '' ? Number.NaN : Number(text);
        v = n === 1 || n === 0 || n === -1 ? n : undefined;
      }
      if (v === undefined || (format !== 'chexpert' && !(v === 0 || v === 1))) {
        return fail(
          CHEXPERT_LABELS[k]!,
          text,
          format === 'chexpert'
            ? 'expected 1.0, 0.0, -1.0 or blank'
            : `expected 0 or 1 (${format} labels are binary)`,
        );
      }
      cells[k] = v;
    }
    let age = Number.NaN;
    let viewValue = '';
    if (format !== 'chexlocalize') {
      const ageText = row[col.Age!]!.trim();
      age = ageText === '' ? Number.NaN : Number(ageText);
      if (ageText !== '' && !Number.isFinite(age)) return fail('Age', ageText, 'not a number');
      viewValue = row[col['Frontal/Lateral']!]!.trim();
      if (viewValue !== 'Frontal' && viewValue !== 'Lateral') {
        return fail('Frontal/Lateral', viewValue, 'expected Frontal or Lateral');
      }
    } else {
      viewValue = /_frontal\./i.test(path) ? 'Frontal' : /_lateral\./i.test(path) ? 'Lateral' : '';
    }
    const r = paths.length;
    if ((r + 1) * 14 > raw.length) {
      const grown = new Float32Array(raw.length * 2);
      grown.set(raw);
      raw = grown;
    }
    for (let k = 0; k < 14; k++) raw[r * 14 + k] = cells[k]!;
    paths.push(path);
    lines.push(line + lineOffset);
    ages.push(age);
    view.push(viewValue);
    sex.push(col.Sex === undefined ? '' : row[col.Sex]!.trim());
    projection.push(col['AP/PA'] === undefined ? '' : row[col['AP/PA']]!.trim());
  };

  await new Promise<void>((resolve, reject) => {
    input.on('error', (err) => reject(new Error(`${file}: ${err.message}`)));
    const parser = parse<string[], string[]>({ headers: false, ignoreEmpty: true });
    parser
      .on('error', (err) =>
        reject(new Error(`${file}:${line + lineOffset + 1}: CSV syntax error: ${err.message}`)),
      )
      .on('data', (row: string[]) => {
        try {
          onRow(row);
        } catch (err) {
          input.destroy();
          parser.destroy();
          reject(err);
        }
      })
      .on('end', () => resolve());
    input.pipe(parser);
  });
  if (!header)
    throw new CsvError({
      file,
      line: 1,
      column: 'Path',
      value: '',
      reason: 'empty file (no header)',
    });
  return {
    file,
    format,
    rows: paths.length,
    paths,
    lines: Int32Array.from(lines),
    sex,
    age: Float32Array.from(ages),
    view,
    projection,
    raw: { rows: paths.length, cols: 14, data: raw.slice(0, paths.length * 14) },
    badRows,
    badRowCount,
  };
}

const PARALLEL_MIN_BYTES = 8 * 2 ** 20;

/**
 * Streams a CheXpert-style label CSV with fast-csv, selecting columns by name. Missing required
 * columns in the header are always fatal; bad rows abort or are skipped and counted. Large files
 * are split into byte ranges at line ends (outside quotes) and parsed by worker threads; the
 * result, bad rows and line numbers included, is the same as a single thread's.
 */
export async function readLabelCsv(
  file: string,
  opts: ReadLabelCsvOptions = {},
): Promise<LabelCsv> {
  let workers = opts.workers;
  if (workers === undefined) {
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      size = 0; // the stream reports a missing file with its own message
    }
    const { workerScriptAvailable } = await import('./decode-pool.js');
    workers = size >= PARALLEL_MIN_BYTES && workerScriptAvailable() ? 2 : 1;
  }
  if (workers <= 1) return parseLabelCsvStream(createReadStream(file), file, opts);
  return readLabelCsvParallel(file, opts, workers);
}

/** The job a pool worker runs for one byte range: header line + that range's lines. */
export interface CsvChunkJob {
  kind: 'csv';
  file: string;
  text: Uint8Array;
  lineOffset: number;
  format?: LabelCsvFormat;
  maxReported: number;
}

/** Parses one chunk (in a worker): bad rows are collected, the caller decides to abort. */
export async function parseCsvChunk(job: CsvChunkJob): Promise<LabelCsv> {
  const { Readable } = await import('node:stream');
  return parseLabelCsvStream(
    Readable.from([Buffer.from(job.text.buffer, job.text.byteOffset, job.text.byteLength)]),
    job.file,
    {
      onBadRow: 'skip',
      maxReported: job.maxReported,
      ...(job.format ? { format: job.format } : {}),
    },
    job.lineOffset,
  );
}

/** Byte offsets just after each line end outside quotes, for up to `parts` balanced ranges. */
function splitPoints(bytes: Uint8Array, start: number, parts: number): number[] {
  const cuts: number[] = [];
  let quoted = false;
  let next = start + Math.ceil((bytes.length - start) / parts);
  for (let i = start; i < bytes.length && cuts.length < parts - 1; i++) {
    const b = bytes[i]!;
    if (b === 0x22) quoted = !quoted;
    else if (b === 0x0a && !quoted && i + 1 >= next) {
      cuts.push(i + 1);
      next = i + 1 + Math.ceil((bytes.length - i - 1) / (parts - cuts.length));
    }
  }
  return cuts;
}

/** Line ends outside quotes in [from, to): the rows a range holds. */
function countLines(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  let quoted = false;
  for (let i = from; i < to; i++) {
    const b = bytes[i];
    if (b === 0x22) quoted = !quoted;
    else if (b === 0x0a && !quoted) n++;
  }
  return n;
}

async function readLabelCsvParallel(
  file: string,
  opts: ReadLabelCsvOptions,
  workers: number,
): Promise<LabelCsv> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  // The header (line 1) is parsed alone first: its errors are fatal and it fixes the format.
  let headerEnd = bytes.indexOf(0x0a) + 1;
  if (headerEnd === 0) headerEnd = bytes.length;
  const { Readable } = await import('node:stream');
  const headerOnly = await parseLabelCsvStream(
    Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, headerEnd)]),
    file,
    opts,
  );
  const header = bytes.subarray(0, headerEnd);
  const ranges: [number, number][] = [];
  let from = headerEnd;
  for (const cut of [...splitPoints(bytes, headerEnd, workers), bytes.length]) {
    if (cut > from) ranges.push([from, cut]);
    from = cut;
  }
  // The calling thread parses the first range itself while worker threads take the others.
  const jobs: CsvChunkJob[] = [];
  let line = 2; // first data line of the next range
  for (const [a, b] of ranges) {
    const text = new Uint8Array(header.length + (b - a));
    text.set(header, 0);
    text.set(bytes.subarray(a, b), header.length);
    // A chunk's parser counts its header as line 1 and its first row as line 2.
    jobs.push({
      kind: 'csv',
      file,
      text,
      lineOffset: line - 2,
      format: headerOnly.format,
      maxReported: Math.max(1, opts.maxReported ?? 50),
    });
    line += countLines(bytes, a, b);
  }
  const { WorkerPool } = await import('./decode-pool.js');
  const pool = new WorkerPool(Math.max(0, jobs.length - 1));
  let chunks: LabelCsv[];
  try {
    chunks = await Promise.all(
      jobs.map((job, k) => (k === 0 ? parseCsvChunk(job) : pool.run<LabelCsv>(job))),
    );
  } finally {
    await pool.close();
  }
  const rows = chunks.reduce((n, c) => n + c.rows, 0);
  const raw = new Float32Array(rows * 14);
  const lines = new Int32Array(rows);
  const age = new Float32Array(rows);
  let at = 0;
  for (const c of chunks) {
    raw.set(c.raw.data, at * 14);
    lines.set(c.lines, at);
    age.set(c.age, at);
    at += c.rows;
  }
  const badRows = chunks.flatMap((c) => c.badRows).sort((x, y) => x.line - y.line);
  const badRowCount = chunks.reduce((n, c) => n + c.badRowCount, 0);
  if ((opts.onBadRow ?? 'abort') === 'abort' && badRows.length > 0) {
    throw new CsvError(badRows[0]!);
  }
  return {
    file,
    format: headerOnly.format,
    rows,
    paths: chunks.flatMap((c) => c.paths),
    lines,
    sex: chunks.flatMap((c) => c.sex),
    age,
    view: chunks.flatMap((c) => c.view),
    projection: chunks.flatMap((c) => c.projection),
    raw: { rows, cols: 14, data: raw },
    badRows: badRows.slice(0, opts.maxReported ?? 50),
    badRowCount,
  };
}
