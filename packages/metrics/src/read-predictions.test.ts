import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chexpertTaxonomy } from '@cihmlc/taxonomy';
import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS, sklearn } from '../test/reference.js';
import { CsvError } from './csv.js';
import { column } from './matrix.js';
import { readLabelsAndScores, readPredictionsFile } from './read-predictions.js';

const header = 'Path,A_GT,A_Pred,A_AE,B_GT,B_Pred';

describe('readPredictionsFile', () => {
  it('reads the reference file and derives the derived labels’ truth', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    expect(p.labels).toEqual(chexpertTaxonomy.outputLabels);
    expect(p.paths).toHaveLength(668);
    expect(p.paths[0]).toBe('test/patient64741/study1/view1_frontal.jpg');
    expect(p.scores.data[0]).toBe(0.5582082867622375);
    expect(p.groundTruth.derivedLabels).toEqual([
      'Uncertain',
      'Abnormal',
      'Cardiac',
      'Fluid Accumulation',
      'Missing Lung Tissue',
      'Opacity',
      'Other',
    ]);
    // The fixture README: 56 rows where the file's Abnormal_GT disagrees with the derivation.
    expect(p.groundTruth.changedRows).toEqual(sklearn.fixture.derivedGroundTruth.changedRows);
    expect(p.groundTruth.changedRows).toEqual({ Abnormal: 56 });
    const fileGt = await readPredictionsFile(REFERENCE_PREDICTIONS, { groundTruth: 'file' });
    expect(fileGt.groundTruth.derivedLabels).toEqual([]);
    const ab = p.labels.indexOf('Abnormal');
    const diff = column(p.truth, ab).filter((v, r) => v !== column(fileGt.truth, ab)[r]).length;
    expect(diff).toBe(56);
  });

  it('ignores other columns and keeps the file’s truth when labels cannot be derived', async () => {
    const p = await readPredictionsFile(
      'mem.csv',
      {},
      `${header}\nx/1.jpg,1,0.9,0.1,0,0.2\nx/2.jpg,0,0.3,0.3,1,0.8\n`,
    );
    expect(p.labels).toEqual(['A', 'B']);
    expect(Array.from(p.truth.data)).toEqual([1, 0, 0, 1]);
    expect(Array.from(p.scores.data)).toEqual([0.9, 0.2, 0.3, 0.8]);
  });

  it('accepts CRLF line ends, a byte-order mark and blank lines', async () => {
    const text = `\uFEFF${header}\r\nx/1.jpg,1,0.9,0.1,0,0.2\r\n\r\nx/2.jpg,0,0.3,0.3,1,0.8\r\n`;
    const p = await readPredictionsFile('crlf.csv', {}, text);
    expect(p.paths).toEqual(['x/1.jpg', 'x/2.jpg']);
    expect(Array.from(p.scores.data)).toEqual([0.9, 0.2, 0.3, 0.8]);
  });

  const bad: [string, string, RegExp][] = [
    [
      'a score that is not a number',
      `${header}\nx,1,abc,0,0,0.2\n`,
      /bad\.csv: line 2, column "A_Pred": score "abc" is not a finite number/,
    ],
    [
      'an empty score',
      `${header}\nx,1,0.4,0,0,0.2\ny,1,,0,0,0.2\n`,
      /line 3, column "A_Pred": score "" is not/,
    ],
    [
      'a truth that is not 0/1',
      `${header}\nx,1,0.4,0,2,0.2\n`,
      /line 2, column "B_GT": ground truth "2" is not 0 or 1/,
    ],
    [
      'a row with too many fields',
      `${header}\nx,1,0.4,0,0,0.2\n\ny,1,0.4,0,0,0.2,9\n`,
      /line 4: expected 6 fields like the header, got 7/,
    ],
    [
      'an unterminated quote',
      `${header}\nx,1,0.4,0,0,0.2\n"y,1,0.4,0,0,0.2\n`,
      /line 3: malformed CSV/,
    ],
    [
      'a missing _GT',
      'Path,A_Pred\nx,0.1\n',
      /line 1, column "A_Pred": "A_Pred" has no "A_GT" column/,
    ],
    ['a missing _Pred', 'Path,A_GT,A_Pred,B_GT\nx,0,0.1,1\n', /"B_GT" has no "B_Pred" column/],
    ['no Path column', 'File,A_GT,A_Pred\nx,0,0.1\n', /line 1: header has no "Path" column/],
    ['a duplicate column', 'Path,A_GT,A_Pred,A_Pred\nx,0,0.1,0.2\n', /duplicate column in header/],
    ['no _Pred columns', 'Path,A\nx,1\n', /not a predictions file/],
    ['an empty file', '', /empty file/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what}, naming file, line and column`, async () => {
      await expect(readPredictionsFile('bad.csv', {}, text)).rejects.toThrow(message);
      await expect(readPredictionsFile('bad.csv', {}, text)).rejects.toBeInstanceOf(CsvError);
    });
  }

  it('names a missing file', async () => {
    await expect(readPredictionsFile('/nonexistent/p.csv')).rejects.toThrow(
      '/nonexistent/p.csv: no such file',
    );
  });
});

describe('readLabelsAndScores', () => {
  it('matches rows by Path and derives missing truth from the 14 source labels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metrics-'));
    const sources = chexpertTaxonomy.sourceLabels;
    // Two images: one with Edema only, one with No Finding only (labels file in another order).
    const row = (positives: string[]) =>
      sources.map((l) => (positives.includes(l) ? 1 : 0)).join(',');
    const labelsFile = join(dir, 'labels.csv');
    await writeFile(
      labelsFile,
      `Path,Sex,${sources.join(',')}\np/2.jpg,F,${row(['No Finding'])}\np/1.jpg,M,${row(['Edema'])}\n`,
    );
    const scoresFile = join(dir, 'scores.csv');
    await writeFile(
      scoresFile,
      'Path,Edema,Fluid Accumulation,Abnormal\np/1.jpg,0.8,0.7,0.9\np/2.jpg,0.1,0.2,0.3\n',
    );
    const p = await readLabelsAndScores(labelsFile, scoresFile);
    expect(p.labels).toEqual(['Edema', 'Fluid Accumulation', 'Abnormal']);
    expect(p.paths).toEqual(['p/1.jpg', 'p/2.jpg']);
    expect(Array.from(p.truth.data)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(p.groundTruth.derivedLabels).toEqual(['Fluid Accumulation', 'Abnormal']);
  });

  it('names the scores file line of a path missing from the labels file', async () => {
    await expect(
      readLabelsAndScores(
        'l.csv',
        's.csv',
        {},
        { labels: 'Path,A\nx,1\n', scores: 'Path,A\nx,0.4\ny,0.3\n' },
      ),
    ).rejects.toThrow('s.csv: line 3, column "Path": Path "y" is not in the labels file l.csv');
  });

  it('rejects a label without truth and duplicate paths', async () => {
    await expect(
      readLabelsAndScores(
        'l.csv',
        's.csv',
        {},
        { labels: 'Path,A\nx,1\n', scores: 'Path,A,B\nx,0.4,0.2\n' },
      ),
    ).rejects.toThrow(/no ground truth for label "B"/);
    await expect(
      readLabelsAndScores(
        'l.csv',
        's.csv',
        {},
        { labels: 'Path,A\nx,1\nx,0\n', scores: 'Path,A\nx,0.4\n' },
      ),
    ).rejects.toThrow('l.csv: line 3, column "Path": duplicate Path "x"');
  });
});
