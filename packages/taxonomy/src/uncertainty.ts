import { type LabelMatrix, toMatrix } from './matrix.js';

/**
 * How raw CheXpert values become binary labels: uncertain (-1) read as 0 (U-Zeros), as 1
 * (U-Ones), or excluded from the loss (U-Ignore, returned as a mask).
 */
export type UncertaintyPolicy = 'zeros' | 'ones' | 'ignore';

export const UNCERTAINTY_POLICIES: readonly UncertaintyPolicy[] = ['zeros', 'ones', 'ignore'];

/** A blank cell is read as 0 (CheXpert's convention) or excluded like U-Ignore. */
export type BlankPolicy = 'zero' | 'ignore';

export interface PolicyResult {
  labels: LabelMatrix;
  /** Present for U-Ignore (or blank 'ignore'): 1 where the label counts, 0 where it is excluded. */
  mask?: LabelMatrix;
}

/**
 * Applies an uncertainty policy to raw CheXpert values: 1, 0, -1, and blank given as NaN or
 * null. Any other value is an error naming the row and column.
 */
export function applyUncertaintyPolicy(
  raw: (number | null)[][] | LabelMatrix,
  policy: UncertaintyPolicy,
  options: { blank?: BlankPolicy; cols?: number } = {},
): PolicyResult {
  if (!UNCERTAINTY_POLICIES.includes(policy)) {
    throw new RangeError(`unknown uncertainty policy ${JSON.stringify(policy)}`);
  }
  const blank = options.blank ?? 'zero';
  const cols = Array.isArray(raw) ? (options.cols ?? raw[0]?.length ?? 0) : raw.cols;
  const m = toMatrix(
    Array.isArray(raw) ? raw.map((row) => row.map((v) => (v === null ? Number.NaN : v))) : raw,
    cols,
    'raw labels',
  );
  const labels = new Float32Array(m.data.length);
  const needMask = policy === 'ignore' || blank === 'ignore';
  const mask = needMask ? new Float32Array(m.data.length).fill(1) : undefined;
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i]!;
    if (v === 1 || v === 0) labels[i] = v;
    else if (v === -1) {
      if (policy === 'ones') labels[i] = 1;
      else if (policy === 'ignore') mask![i] = 0;
    } else if (Number.isNaN(v)) {
      if (blank === 'ignore') mask![i] = 0;
    } else {
      throw new RangeError(
        `raw labels[${Math.floor(i / cols)}][${i % cols}]: value ${v} is not 1, 0, -1 or blank`,
      );
    }
  }
  const result: PolicyResult = { labels: { rows: m.rows, cols, data: labels } };
  if (mask) result.mask = { rows: m.rows, cols, data: mask };
  return result;
}
