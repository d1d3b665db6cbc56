import { describe, expect, it } from 'vitest';
import { CsvError } from './csv-error.js';

describe('CsvError', () => {
  it('names file, line, column and value', () => {
    const e = new CsvError({ file: 'a.csv', line: 3, column: 'Age', value: 'x', reason: 'bad' });
    expect(e.message).toBe('a.csv: line 3, column "Age": bad (value "x")');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CsvError');
    expect([e.file, e.line, e.column, e.value, e.reason]).toEqual(['a.csv', 3, 'Age', 'x', 'bad']);
  });

  it('leaves out what it does not know', () => {
    expect(new CsvError({ file: 'a.csv', line: 1, reason: 'empty' }).message).toBe(
      'a.csv: line 1: empty',
    );
    expect(
      new CsvError({ file: 'a.csv', line: 2, column: 'P', value: '', reason: 'r' }).message,
    ).toBe('a.csv: line 2, column "P": r');
  });
});
