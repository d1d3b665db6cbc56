/** A dense row-major matrix of labels or probabilities: `data[row * cols + col]`. */
export interface LabelMatrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** Rows as nested arrays or as one flat matrix. Functions return the same form they were given. */
export type LabelRows = number[][] | LabelMatrix;

export function isLabelMatrix(rows: LabelRows): rows is LabelMatrix {
  return !Array.isArray(rows);
}

/** Converts nested rows to a flat matrix, checking every row has `cols` entries. */
export function toMatrix(rows: LabelRows, cols: number, what = 'rows'): LabelMatrix {
  if (isLabelMatrix(rows)) {
    if (rows.cols !== cols) {
      throw new RangeError(`${what}: expected ${cols} columns, got ${rows.cols}`);
    }
    if (rows.data.length !== rows.rows * rows.cols) {
      throw new RangeError(
        `${what}: data has ${rows.data.length} values, expected rows × cols = ${rows.rows * rows.cols}`,
      );
    }
    return rows;
  }
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (row.length !== cols) {
      throw new RangeError(`${what}[${r}]: expected ${cols} values, got ${row.length}`);
    }
    data.set(row, r * cols);
  });
  return { rows: rows.length, cols, data };
}

/** Converts a flat matrix back to nested rows. */
export function toRows(matrix: LabelMatrix): number[][] {
  const out: number[][] = new Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r++) {
    out[r] = Array.from(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols));
  }
  return out;
}

/** Returns `matrix` in the form `like` was given in. */
export function sameForm<T extends LabelRows>(like: T, matrix: LabelMatrix): T {
  return (isLabelMatrix(like) ? matrix : toRows(matrix)) as T;
}
