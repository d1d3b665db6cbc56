import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS } from '../test/reference.js';
import { evaluate } from './evaluate.js';
import { PAPER_OURS_TABLE_III, PUBLISHED_TABLE_III } from './published.js';
import { readPredictionsFile } from './read-predictions.js';
import { reportMarkdown } from './report.js';
import {
  headline,
  type RunResult,
  tableI,
  tableII,
  tableIII,
  tableToCsv,
  tableToMarkdown,
} from './tables.js';

const reference = async (): Promise<RunResult> => {
  const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
  return { name: 'Ours', evaluation: evaluate(p) };
};

/** A run with given AUROCs (only the fields the tables read). */
function fakeRun(name: string, aurocs: Record<string, number | null>, group?: string): RunResult {
  const perLabel = Object.entries(aurocs).map(([label, auroc]) => ({
    label,
    auroc,
    positives: 1,
    negatives: 1,
  }));
  return {
    name,
    ...(group ? { group } : {}),
    evaluation: {
      perLabel,
      average: { macro: null, weighted: null, micro: null },
      images: 2,
    } as never,
  };
}

describe('tables', () => {
  it('reproduce the paper’s Table I and Table II rows from the reference predictions', async () => {
    const run = await reference();
    const t1 = tableI([run]);
    expect(t1.rows[0]!.values.map((v) => v!.toFixed(3))).toEqual([
      '0.879',
      '0.853',
      '0.880',
      '0.901',
      '0.945',
    ]);
    expect(t1.rows[0]!.mean!.toFixed(3)).toBe('0.892');
    // Table II, data-driven λ = 0.5: 0.942 0.857 0.922 0.873 0.929 0.903, mean 0.904.
    const t2 = tableII([run]);
    expect(t2.rows[0]!.values.map((v) => v!.toFixed(3))).toEqual([
      '0.942',
      '0.857',
      '0.922',
      '0.873',
      '0.929',
      '0.903',
    ]);
    expect(t2.rows[0]!.mean!.toFixed(3)).toBe('0.904');
    expect(headline(run)).toBe('Ours: weighted AUROC 0.9034 over 21 labels (668 images)');
  });

  it('Table III puts our row under the published rows, with maxima in bold', async () => {
    const run = await reference();
    const t3 = tableIII([run]);
    expect(t3.rows).toHaveLength(8);
    expect(t3.rows[1]).toMatchObject({
      name: 'Zhang et al. [10]',
      values: [0.667, 0.85, 0.713, 0.829, 0.862],
      mean: 0.784,
    });
    expect(t3.rows[6]!.name).toBe('*Pham et al. [19]');
    const ours = t3.rows[7]!;
    expect(ours.name).toBe('*Ours');
    expect(ours.values.map((v) => Number(v!.toFixed(3)))).toEqual(PAPER_OURS_TABLE_III.values);
    const md = tableToMarkdown(t3);
    // As in the paper: ours is best on Atelectasis, Pleural Effusion and the mean.
    expect(md).toContain('| *Ours | **0.879** | 0.853 | 0.880 | 0.901 | **0.945** | **0.892** |');
    expect(md).toContain('| Lu et al. [11] | 0.731 | **0.900** |');
    expect(md).toContain('| Liu et al. [12] | 0.811 | 0.853 | **0.943** |');
    expect(md).toContain('| *Pham et al. [19] | 0.806 | 0.833 | 0.929 | **0.933** |');
  });

  it('marks a run with high-level labels as hierarchical (*) in Table III unless told', () => {
    const flat = fakeRun('Flat', { Atelectasis: 0.8 });
    const hier = fakeRun('Hier', { Atelectasis: 0.8, Abnormal: 0.9 });
    const names = tableIII([flat, hier, { ...flat, name: 'Told', hierarchical: true }])
      .rows.slice(7)
      .map((r) => r.name);
    expect(names).toEqual(['Flat', '*Hier', '*Told']);
  });

  it('marks group maxima in bold and overall maxima in brackets, like Tables I–II', () => {
    const runs = [
      fakeRun(
        '0.3',
        {
          Atelectasis: 0.877,
          Cardiomegaly: 0.839,
          Consolidation: 0.868,
          Edema: 0.886,
          'Pleural Effusion': 0.928,
        },
        'Data-Driven',
      ),
      fakeRun(
        '0.5',
        {
          Atelectasis: 0.879,
          Cardiomegaly: 0.853,
          Consolidation: 0.88,
          Edema: 0.901,
          'Pleural Effusion': 0.945,
        },
        'Data-Driven',
      ),
      fakeRun(
        '0.3',
        {
          Atelectasis: 0.765,
          Cardiomegaly: 0.855,
          Consolidation: 0.883,
          Edema: 0.886,
          'Pleural Effusion': 0.942,
        },
        'Fixed',
      ),
    ];
    const md = tableToMarkdown(tableI(runs));
    expect(md).toContain(
      '| Data-Driven | 0.5 | **[0.879]** | **0.853** | **0.880** | **[0.901]** | **[0.945]** |',
    );
    expect(md).toContain(
      '| Fixed | 0.3 | **0.765** | **[0.855]** | **[0.883]** | **0.886** | **0.942** |',
    );
    expect(md.split('\n')[0]).toContain('[brackets]');
  });

  it('shows a missing or undefined AUROC as a dash and no mean; CSV keeps full precision', () => {
    const t = tableI([fakeRun('flat', { Atelectasis: 0.8123456789, Cardiomegaly: null })]);
    expect(t.rows[0]!.values).toEqual([0.8123456789, null, null, null, null]);
    expect(t.rows[0]!.mean).toBeNull();
    expect(tableToMarkdown(t)).toContain('| flat | **0.812** | — | — | — | — | — |');
    expect(tableToCsv(t)).toBe(
      'Method,Group,Atelectasis,Cardiomegaly,Consolidation,Edema,Pleural Effusion,Mean\nflat,,0.8123456789,,,,,\n',
    );
    expect(tableToCsv(tableI([fakeRun('a,"b"', {})]))).toContain('"a,""b""",');
  });

  it('builds the whole Markdown report', async () => {
    const md = reportMarkdown([await reference()]);
    for (const part of [
      '**Table I.**',
      '**Table II.**',
      '**Table III.**',
      'hierarchy violations',
      'weighted AUROC 0.9034',
    ]) {
      expect(md).toContain(part);
    }
  });

  it('opens with a note and lists Table III unranked without runs not comparable with it', async () => {
    const run = { ...(await reference()), name: 'Synthetic run' };
    const table3 = (md: string) =>
      md.slice(md.indexOf('**Table III.**')).split('\n\n').slice(0, 2).join('\n\n');
    expect(table3(reportMarkdown([run]))).toContain('Synthetic run');
    expect(table3(reportMarkdown([run]))).toContain('**0.');

    const md = reportMarkdown([run], { note: '> Synthetic data.', comparableWithPublished: false });
    expect(md.startsWith('> Synthetic data.\n\n# Evaluation report')).toBe(true);
    const t3 = table3(md);
    expect(t3).toContain('Not ranked.');
    expect(t3).not.toContain('Synthetic run');
    expect(t3).not.toContain('**0.');
    for (const p of PUBLISHED_TABLE_III) expect(t3).toContain(p.name);
    // Table I still has the run.
    expect(md.slice(md.indexOf('**Table I.**'), md.indexOf('**Table II.**'))).toContain(
      '| Synthetic run |',
    );
  });
});
