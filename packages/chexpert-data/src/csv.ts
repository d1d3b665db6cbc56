import { createReadStream } from 'node:fs';
import { CHEXPERT_LABELS, type LabelMatrix } from '@cihmlc/taxonomy';
import { parse } from 'fast-csv';

/**
 * Which label file a CSV is: CheXpert's train.csv / valid.csv (values 1, 0, -1, blank), the
 * VisualCheXbert training labels (binary, same metadata columns, another label order), or a
 * CheXlocalize validation/test label file (Path and 14 binary labels).
 */
export type LabelCsvFormat = 'chexpert' | 'visualchexbert' | 'chexlocalize';

export const METADATA_COLUMNS = ['Path', 'Sex', 'Age', 'Frontal/Lateral', 'AP/PA'] as const;

/** A row that could not be read: where, which field, and why. */
export interface BadRow {
  file: string;
  /** 1-based line number (the header is line 1). */
  line: number;
  field: string;
  value: string;
  reason: string;
}

export class CsvFormatError extends Error {
  readonly file: string;
  readonly line: number;
  readonly field: string;
  constructor(bad: BadRow) {
    super(
      `${bad.file}:${bad.line}: field "${bad.field}": ${bad.reason}${bad.value !== '' ? ` (value ${JSON.stringify(bad.value)})` : ''}`,
    );
    this.name = 'CsvFormatError';
    this.file = bad.file;
    this.line = bad.line;
    this.field = bad.field;
  }
}

export interface ReadLabelCsvOptions {
  /** Default: 'chexlocalize' when the header lacks Sex, else 'chexpert' (accepts binary files too). */
  format?: LabelCsvFormat;
  /** 'abort' (default) throws CsvFormatError at the first bad row; 'skip' drops and counts it. */
  onBadRow?: 'abort' | 'skip';
  /** How many bad rows to keep in `badRows` (default 50); `badRowCount` counts all. */
  maxReported?: number;
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

/**
 * Streams a CheXpert-style label CSV with fast-csv, selecting columns by name. Missing required
 * columns in the header are always fatal; bad rows abort or are skipped and counted.
 */
export async function readLabelCsv(
  file: string,
  opts: ReadLabelCsvOptions = {},
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

  const fail = (bad: BadRow): 'skip' => {
    if (onBad === 'abort') throw new CsvFormatError(bad);
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
        throw new CsvFormatError({
          file,
          line: 1,
          field: name,
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
      return fail({
        file,
        line,
        field: header[row.length]!,
        value: '',
        reason: `missing column (row has ${row.length} of ${need} fields)`,
      });
    }
    const path = row[col.Path!]!.trim();
    if (path === '') return fail({ file, line, field: 'Path', value: '', reason: 'empty path' });
    for (let k = 0; k < 14; k++) {
      const text = row[labelCols[k]!]!.trim();
      let v = LABEL_VALUES[text];
      if (v === undefined) {
        const n = text === '' ? Number.NaN : Number(text);
        v = n === 1 || n === 0 || n === -1 ? n : undefined;
      }
      if (v === undefined || (format !== 'chexpert' && !(v === 0 || v === 1))) {
        return fail({
          file,
          line,
          field: CHEXPERT_LABELS[k]!,
          value: text,
          reason:
            format === 'chexpert'
              ? 'expected 1.0, 0.0, -1.0 or blank'
              : `expected 0 or 1 (${format} labels are binary)`,
        });
      }
      cells[k] = v;
    }
    let age = Number.NaN;
    let viewValue = '';
    if (format !== 'chexlocalize') {
      const ageText = row[col.Age!]!.trim();
      age = ageText === '' ? Number.NaN : Number(ageText);
      if (ageText !== '' && !Number.isFinite(age))
        return fail({ file, line, field: 'Age', value: ageText, reason: 'not a number' });
      viewValue = row[col['Frontal/Lateral']!]!.trim();
      if (viewValue !== 'Frontal' && viewValue !== 'Lateral') {
        return fail({
          file,
          line,
          field: 'Frontal/Lateral',
          value: viewValue,
          reason: 'expected Frontal or Lateral',
        });
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
    lines.push(line);
    ages.push(age);
    view.push(viewValue);
    sex.push(col.Sex === undefined ? '' : row[col.Sex]!.trim());
    projection.push(col['AP/PA'] === undefined ? '' : row[col['AP/PA']]!.trim());
  };

  await new Promise<void>((resolve, reject) => {
    const input = createReadStream(file);
    input.on('error', (err) => reject(new Error(`${file}: ${err.message}`)));
    const parser = parse<string[], string[]>({ headers: false, ignoreEmpty: true });
    parser
      .on('error', (err) =>
        reject(new Error(`${file}:${line + 1}: CSV syntax error: ${err.message}`)),
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
    throw new CsvFormatError({
      file,
      line: 1,
      field: 'Path',
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
