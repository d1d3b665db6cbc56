import { describe, expect, it } from 'vitest';
import { CsvError, readLabelCsv } from './csv.js';
import { CHEXPERT_COLUMNS, tempDir, writeText } from './test-support/fixtures.js';

const dir = tempDir();
const P = 'CheXpert-v1.0-small/train';

// Three rows: blanks, -1, 1.0/0.0, a quoted path containing a comma, and quoted "AP".
const GOOD = `${CHEXPERT_COLUMNS}
${P}/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,1.0,,,,,,,,,,0.0,,,1.0
${P}/patient00002/study1/view1_frontal.jpg,Male,87,Frontal,"AP",,-1.0,1.0,-1.0,,-1.0,-1.0,,-1.0,,-1.0,,1.0,
"${P}/patient00003/study1/view2_lateral, odd.jpg",Female,41,Lateral,,,0.0,,1.0,,,,0.0,,1.0,,-1.0,,0.0
`;

describe('readLabelCsv (CheXpert train.csv / valid.csv)', () => {
  it('reads values 1, 0, -1 and blank (NaN) in CHEXPERT_LABELS order, with quoting', async () => {
    const csv = await readLabelCsv(writeText(dir, 'good.csv', GOOD));
    expect(csv.format).toBe('chexpert');
    expect(csv.rows).toBe(3);
    expect(csv.paths[2]).toBe(`${P}/patient00003/study1/view2_lateral, odd.jpg`);
    expect(csv.projection).toEqual(['AP', 'AP', '']);
    expect(csv.view).toEqual(['Frontal', 'Frontal', 'Lateral']);
    expect(Array.from(csv.age)).toEqual([68, 87, 41]);
    expect(Array.from(csv.lines)).toEqual([2, 3, 4]);
    const row = (r: number) => Array.from(csv.raw.data.subarray(r * 14, r * 14 + 14));
    const n = Number.NaN;
    expect(row(0)).toEqual([1, n, n, n, n, n, n, n, n, n, 0, n, n, 1]);
    expect(row(1)).toEqual([n, -1, 1, -1, n, -1, -1, n, -1, n, -1, n, 1, n]);
    expect(row(2)).toEqual([n, 0, n, 1, n, n, n, 0, n, 1, n, -1, n, 0]);
  });

  it('selects columns by name, not position', async () => {
    // Same content with the label columns reversed and the metadata moved to the end.
    const header = CHEXPERT_COLUMNS.split(',');
    const order = [...header.slice(5).reverse(), ...header.slice(0, 5)];
    const lines = GOOD.trim()
      .split('\n')
      .slice(1, 3)
      .map((l) => {
        const cells = l.split(',');
        return order.map((h) => cells[header.indexOf(h)]).join(',');
      });
    const file = writeText(dir, 'reordered.csv', `${order.join(',')}\n${lines.join('\n')}\n`);
    const a = await readLabelCsv(file);
    const b = await readLabelCsv(writeText(dir, 'good2.csv', GOOD));
    expect(a.paths).toEqual(b.paths.slice(0, 2));
    expect(Array.from(a.raw.data)).toEqual(Array.from(b.raw.data.subarray(0, 28)));
  });

  const bad = (name: string, row: string) =>
    writeText(dir, name, `${CHEXPERT_COLUMNS}\n${GOOD.split('\n')[1]}\n${row}\n`);

  it('aborts on an unparsable value, naming file, line and column', async () => {
    const file = bad(
      'bad-value.csv',
      `${P}/patient00009/study1/view1_frontal.jpg,Male,50,Frontal,PA,,,,yes,,,,,,,,,,`,
    );
    const err = await readLabelCsv(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsvError);
    expect((err as CsvError).line).toBe(3);
    expect((err as CsvError).column).toBe('Lung Opacity');
    expect((err as Error).message).toContain(`${file}: line 3, column "Lung Opacity"`);
    expect((err as Error).message).toContain('"yes"');
  });

  it('reports a value like 2.0 or 0.5 as unparsable', async () => {
    const file = bad(
      'bad-num.csv',
      `${P}/patient00009/study1/view1_frontal.jpg,Male,50,Frontal,PA,,,,,,0.5,,,,,,,,`,
    );
    await expect(readLabelCsv(file)).rejects.toThrow(/: line 3, column "Edema".*"0.5"/);
  });

  it('aborts on a missing column and on an empty path', async () => {
    const short = bad(
      'short.csv',
      `${P}/patient00009/study1/view1_frontal.jpg,Male,50,Frontal,PA,,,`,
    );
    await expect(readLabelCsv(short)).rejects.toThrow(
      /short\.csv: line 3, column "Lung Opacity": missing column/,
    );
    const empty = bad('empty-path.csv', ',Male,50,Frontal,PA,,,,,,,,,,,,,,');
    await expect(readLabelCsv(empty)).rejects.toThrow(
      /empty-path\.csv: line 3, column "Path": empty path/,
    );
  });

  it('skips and counts bad rows when asked, keeping the good ones', async () => {
    const text = `${CHEXPERT_COLUMNS}
${GOOD.split('\n')[1]}
,Male,50,Frontal,PA,,,,,,,,,,,,,,
${P}/patient00010/study1/view1_frontal.jpg,Male,fifty,Frontal,PA,,,,,,,,,,,,,,
${P}/patient00011/study1/view1_frontal.jpg,Male,50,Sideways,PA,,,,,,,,,,,,,,
${GOOD.split('\n')[2]}
`;
    const csv = await readLabelCsv(writeText(dir, 'mixed.csv', text), { onBadRow: 'skip' });
    expect(csv.rows).toBe(2);
    expect(csv.badRowCount).toBe(3);
    expect(csv.badRows.map((b) => [b.line, b.column])).toEqual([
      [3, 'Path'],
      [4, 'Age'],
      [5, 'Frontal/Lateral'],
    ]);
    expect(Array.from(csv.lines)).toEqual([2, 6]);
  });

  it('rejects a header without a required column', async () => {
    const header = CHEXPERT_COLUMNS.replace(',Pleural Other', '');
    const file = writeText(dir, 'no-col.csv', `${header}\n`);
    await expect(readLabelCsv(file)).rejects.toThrow(
      /no-col\.csv: line 1, column "Pleural Other": missing column in header/,
    );
  });

  it('names the file when it does not exist', async () => {
    await expect(readLabelCsv(`${dir}/nope.csv`)).rejects.toThrow(/nope\.csv/);
  });
});

describe('readLabelCsv (VisualCheXbert and CheXlocalize)', () => {
  it('reads VisualCheXbert labels (No Finding last) into CheXpert order, binary only', async () => {
    const labels = CHEXPERT_COLUMNS.split(',').slice(5);
    const vcb = [...labels.slice(1), labels[0]];
    const file = writeText(
      dir,
      'vcb.csv',
      `Path,Sex,Age,Frontal/Lateral,AP/PA,${vcb.join(',')}\n${P}/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0\n`,
    );
    const csv = await readLabelCsv(file, { format: 'visualchexbert' });
    // Cardiomegaly (index 2) and Support Devices (13) positive; No Finding (0) negative.
    expect(Array.from(csv.raw.data)).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const uncertain = writeText(
      dir,
      'vcb-bad.csv',
      `Path,Sex,Age,Frontal/Lateral,AP/PA,${vcb.join(',')}\n${P}/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,-1.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0\n`,
    );
    await expect(readLabelCsv(uncertain, { format: 'visualchexbert' })).rejects.toThrow(
      /vcb-bad\.csv: line 2, column "Enlarged Cardiomediastinum": expected 0 or 1/,
    );
  });

  it('detects a CheXlocalize label file (Path + 14 labels) and infers the view from the path', async () => {
    const labels = CHEXPERT_COLUMNS.split(',').slice(5);
    const file = writeText(
      dir,
      'test_labels.csv',
      `Path,${labels.join(',')}\ntest/patient64741/study1/view1_frontal.jpg,0,0,0,1,0,0,0,0,1,0,0,0,0,1\n`,
    );
    const csv = await readLabelCsv(file);
    expect(csv.format).toBe('chexlocalize');
    expect(csv.view).toEqual(['Frontal']);
    expect(csv.sex).toEqual(['']);
    expect(Number.isNaN(csv.age[0])).toBe(true);
    expect(Array.from(csv.raw.data)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const blank = writeText(
      dir,
      'test_blank.csv',
      `Path,${labels.join(',')}\ntest/patient64741/study1/view1_frontal.jpg,0,,0,1,0,0,0,0,1,0,0,0,0,1\n`,
    );
    await expect(readLabelCsv(blank)).rejects.toThrow(
      /test_blank\.csv: line 2, column "Enlarged Cardiomediastinum"/,
    );
  });
});
