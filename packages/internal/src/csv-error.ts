/** Where a CSV problem is and what it is: file, 1-based line (the header is line 1), column. */
export interface CsvProblem {
  file: string;
  /** 1-based physical line (the header is line 1). */
  line: number;
  /** The column (header name), when the problem is in one field. */
  column?: string;
  /** The offending raw value, when there is one ('' is not shown). */
  value?: string;
  /** Why the row or file is rejected. */
  reason: string;
}

/**
 * A problem in a CSV file, located by file, line and (where known) column:
 * `file: line 3, column "Age": not a number (value "x")`.
 */
export class CsvError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: string | undefined;
  readonly value: string | undefined;
  readonly reason: string;

  constructor(problem: CsvProblem) {
    const { file, line, column, value, reason } = problem;
    const where = column === undefined ? `line ${line}` : `line ${line}, column "${column}"`;
    const shown = value !== undefined && value !== '' ? ` (value ${JSON.stringify(value)})` : '';
    super(`${file}: ${where}: ${reason}${shown}`);
    this.name = 'CsvError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.value = value;
    this.reason = reason;
  }
}
