import type { LabelMatrix } from '@cihmlc/taxonomy';

/**
 * A dense row-major matrix of scores or 0/1 labels: `data[row * cols + col]`. Float64 so that
 * scores read from CSV keep every digit; a taxonomy `LabelMatrix` (Float32Array) is accepted too.
 */
export interface ScoreMatrix {
  rows: number;
  cols: number;
  data: Float64Array | Float32Array;
}

/** Nested rows, a `ScoreMatrix` or a taxonomy `LabelMatrix`. */
export type MatrixInput = number[][] | ScoreMatrix | LabelMatrix;

/** Converts the accepted forms to a flat matrix with `cols` columns (no copy for flat input). */
export function asScoreMatrix(input: MatrixInput, cols: number, what: string): ScoreMatrix {
  if (!Array.isArray(input)) {
    if (input.cols !== cols) {
      throw new RangeError(`${what}: expected ${cols} columns, got ${input.cols}`);
    }
    if (input.data.length !== input.rows * input.cols) {
      throw new RangeError(
        `${what}: data has ${input.data.length} values, expected rows × cols = ${input.rows * input.cols}`,
      );
    }
    return input;
  }
  const data = new Float64Array(input.length * cols);
  input.forEach((row, r) => {
    if (row.length !== cols) {
      throw new RangeError(`${what}[${r}]: expected ${cols} values, got ${row.length}`);
    }
    data.set(row, r * cols);
  });
  return { rows: input.length, cols, data };
}

/** One column as a fresh Float64Array. */
export function column(m: ScoreMatrix, col: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0, i = col; r < m.rows; r++, i += m.cols) out[r] = m.data[i]!;
  return out;
}

/**
 * Validates ground truth (0/1) and scores (finite numbers) once, at the boundary; the error names
 * the row and the label.
 */
export function checkTruthAndScores(
  labels: readonly string[],
  truth: ScoreMatrix,
  scores: ScoreMatrix,
): void {
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l)) throw new RangeError(`label "${l}" appears twice`);
    seen.add(l);
  }
  if (truth.rows !== scores.rows) {
    throw new RangeError(`truth has ${truth.rows} rows but scores have ${scores.rows}`);
  }
  const cols = labels.length;
  for (let r = 0; r < truth.rows; r++) {
    for (let c = 0; c < cols; c++) {
      const t = truth.data[r * cols + c]!;
      if (t !== 0 && t !== 1) {
        throw new RangeError(`truth row ${r}, label "${labels[c]}": ${t} is not 0 or 1`);
      }
      const s = scores.data[r * cols + c]!;
      if (!Number.isFinite(s)) {
        throw new RangeError(`scores row ${r}, label "${labels[c]}": ${s} is not a finite number`);
      }
    }
  }
}
