import { existsSync } from 'node:fs';
import { CsvError } from '@cihmlc/internal';
import { type CsvParserStream, parseFile, parseString } from 'fast-csv';

/** A problem in a CSV file, located by file, line and (where known) column. */
export { CsvError };

export interface CsvHandlers {
  /** Called once with the header row (line 1). */
  header(names: string[]): void;
  /** Called for every non-empty data row with its 1-based line number. */
  row(values: string[], line: number): void;
}

/**
 * Streams a CSV (from a file, or from `text` when given) through fast-csv, with line numbers.
 * Line numbers count physical lines; they are exact unless a quoted field spans several lines.
 * Rows with a different number of fields than the header are errors.
 */
export function readCsv(file: string, handlers: CsvHandlers, text?: string): Promise<void> {
  if (text === undefined && !existsSync(file)) {
    return Promise.reject(new Error(`${file}: no such file`));
  }
  return new Promise<void>((resolve, reject) => {
    // Keep empty lines so that the record index is the line index; skip them here.
    const options = { headers: false, ignoreEmpty: false, trim: true } as const;
    const stream: CsvParserStream<string[], string[]> =
      text === undefined ? parseFile(file, options) : parseString(text, options);
    let line = 0;
    let width = -1;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      stream.destroy();
      reject(error);
    };
    stream.on('error', (e: Error) => {
      fail(
        e instanceof CsvError
          ? e
          : new CsvError({
              reason: `malformed CSV (${e.message.replace(/\s+/g, ' ')})`,
              file,
              line: line + 1,
            }),
      );
    });
    stream.on('data', (values: string[]) => {
      if (failed) return;
      line++;
      try {
        if (values.length === 0 || (values.length === 1 && values[0] === '')) return;
        if (width < 0) {
          width = values.length;
          // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first column's name.
          if (values[0]?.startsWith('\uFEFF')) values[0] = values[0].slice(1);
          handlers.header(values);
          return;
        }
        if (values.length !== width) {
          throw new CsvError({
            reason: `expected ${width} fields like the header, got ${values.length}`,
            file,
            line,
          });
        }
        handlers.row(values, line);
      } catch (e) {
        fail(e);
      }
    });
    stream.on('end', () => {
      if (failed) return;
      if (width < 0) reject(new CsvError({ reason: 'empty file: no header row', file, line: 1 }));
      else resolve();
    });
  });
}
