import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { CHEXPERT_COLUMNS, tempDir, writeText } from './test-support/fixtures.js';

// Worker threads run the built package (global setup builds it into .test-build/dist).
const dist = inject('distDir');
type Built = typeof import('./index.js');
const P = 'CheXpert-v1.0-small/train';
const dir = tempDir();

/** Rows with blanks, -1, quoted paths (one with a comma and one with a newline), CRLF ends. */
function bigCsv(rows: number, bad: number[] = []): string {
  const out = [CHEXPERT_COLUMNS];
  for (let r = 0; r < rows; r++) {
    const labels = Array.from(
      { length: 14 },
      (_, k) => ['', '1.0', '0.0', '-1.0'][(r * 7 + k) % 4],
    );
    if (bad.includes(r)) labels[3] = 'maybe';
    const path =
      r % 97 === 5
        ? `"${P}/patient${r}/study1/view1_frontal, odd.jpg"`
        : r % 131 === 7
          ? `"${P}/patient${r}/study1/view1\nfrontal.jpg"`
          : `${P}/patient${r}/study1/view1_frontal.jpg`;
    out.push(
      `${path},${r % 2 ? 'Male' : 'Female'},${20 + (r % 70)},Frontal,${r % 3 ? 'AP' : 'PA'},${labels.join(',')}`,
    );
  }
  return `${out.join('\r\n')}\r\n`;
}

const plain = (csv: Awaited<ReturnType<Built['readLabelCsv']>>) => ({
  ...csv,
  raw: Array.from(csv.raw.data),
  lines: Array.from(csv.lines),
  age: Array.from(csv.age),
});

describe('readLabelCsv in parallel (worker threads over byte ranges)', () => {
  it('gives exactly the single-thread result, from the ESM and the CJS build', async () => {
    const file = writeText(dir, 'big.csv', bigCsv(3000));
    const esm = (await import(pathToFileURL(join(dist, 'index.js')).href)) as Built;
    const cjs = createRequire(import.meta.url)(join(dist, 'index.cjs')) as Built;
    const serial = plain(await esm.readLabelCsv(file, { workers: 1 }));
    expect(serial.rows).toBe(3000);
    for (const mod of [esm, cjs]) {
      for (const workers of [2, 3]) {
        expect(plain(await mod.readLabelCsv(file, { workers }))).toEqual(serial);
      }
    }
  });

  it('reports the earliest bad row with its line when aborting, and all of them when skipping', async () => {
    const file = writeText(dir, 'bad.csv', bigCsv(3000, [2500, 700]));
    const esm = (await import(pathToFileURL(join(dist, 'index.js')).href)) as Built;
    const serialError = await esm.readLabelCsv(file, { workers: 1 }).catch((e: Error) => e.message);
    const parallelError = await esm
      .readLabelCsv(file, { workers: 2 })
      .catch((e: Error) => e.message);
    expect(parallelError).toBe(serialError);
    expect(parallelError).toMatch(
      /bad\.csv: line \d+, column "Lung Opacity": expected 1\.0, 0\.0, -1\.0 or blank \(value "maybe"\)/,
    );
    const skipped = await esm.readLabelCsv(file, { workers: 2, onBadRow: 'skip' });
    const serialSkipped = await esm.readLabelCsv(file, { workers: 1, onBadRow: 'skip' });
    expect(skipped.badRowCount).toBe(2);
    expect(skipped.badRows.map((b) => b.line)).toEqual(serialSkipped.badRows.map((b) => b.line));
    expect(plain(skipped)).toEqual(plain(serialSkipped));
  });
});
