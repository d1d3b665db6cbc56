import { describe, expect, it } from 'vitest';
import { sklearn } from '../test/reference.js';
import { evaluate } from './evaluate.js';
import { PAPER_OURS_TABLE_III, PUBLISHED_TABLE_III } from './published.js';
import { comparisonRows, comparisonsMarkdown, reportMarkdown } from './report.js';
import { type RunResult, TABLE_I_LABELS } from './tables.js';

/** A run with given AUROCs (only the fields the report reads). */
function fakeRun(name: string, aurocs: Record<string, number | null>): RunResult {
  return {
    name,
    evaluation: {
      labels: Object.keys(aurocs),
      perLabel: Object.entries(aurocs).map(([label, auroc]) => ({
        label,
        auroc,
        positives: 1,
        negatives: 1,
      })),
      average: { macro: null, weighted: null, micro: null },
      undefinedLabels: [],
      images: 2,
    } as never,
  };
}

const named = (values: readonly number[], prefix = 'L') =>
  Object.fromEntries(values.map((v, i) => [`${prefix}${i}`, v]));
const tableI = (values: readonly number[]) =>
  Object.fromEntries(TABLE_I_LABELS.map((l, i) => [l, values[i]!]));

// scipy.stats.ttest_rel references (test/fixtures/make_sklearn_reference.py).
const zhangRef = sklearn.tTests['tableIII ours vs zhang']!;
const random21 = sklearn.tTests.random21!;
const random14 = sklearn.tTests.random14!;
const zhang = PUBLISHED_TABLE_III.find((r) => r.name.startsWith('Zhang'))!;

/** Runs shaped like the grid: 21-label runs, a 14-label flat run, and two Table I runs. */
const runs = [
  fakeRun('Flat', named(random14.b)),
  fakeRun('Data-driven', named(random21.a)),
  fakeRun('Fixed', named(random21.b)),
  fakeRun('Flat other', named(random14.a)),
  fakeRun('Ours', tableI(PAPER_OURS_TABLE_III.values as number[])),
  fakeRun('Zhang', tableI(zhang.values as number[])),
];

describe('comparisons', () => {
  it('tests the pairs named by run name, a against b; t, df and p equal scipy’s ttest_rel', () => {
    const rows = comparisonRows(runs, [
      { a: 'Data-driven', b: 'Fixed' },
      { a: 'Flat other', b: 'Flat' },
      { a: 'Ours', b: 'Zhang' },
    ]);
    expect(rows.map((r) => [r.a, r.b, r.labelSet])).toEqual([
      ['Data-driven', 'Fixed', 'Table I (5)'],
      ['Data-driven', 'Fixed', 'all shared'],
      ['Flat other', 'Flat', 'Table I (5)'],
      ['Flat other', 'Flat', 'all shared'],
      ['Ours', 'Zhang', 'Table I (5)'],
      ['Ours', 'Zhang', 'all shared'],
    ]);
    const cases = [
      [rows[1]!, random21],
      [rows[3]!, random14],
      [rows[4]!, zhangRef],
      [rows[5]!, zhangRef],
    ] as const;
    for (const [row, ref] of cases) {
      if ('error' in row.result) throw new Error(row.result.error);
      const n = ref.a.length;
      expect(row.result.n).toBe(n);
      expect(row.result.df).toBe(n - 1);
      expect(row.result.t).toBeCloseTo(ref.t, 10);
      expect(Math.abs(row.result.p - ref.p) / ref.p).toBeLessThan(1e-10);
      // Mean difference a − b in float64, by hand.
      const diff = ref.a.reduce((s, x, i) => s + (x - ref.b[i]!), 0) / n;
      expect(row.result.meanDifference).toBeCloseTo(diff, 14);
    }
    // Runs without Table I's labels: that row says why, the others are computed.
    expect(rows[0]!.result).toEqual({ error: 'label "Atelectasis" is not in both evaluations' });
  });

  it('formats the pairs with an Against column', () => {
    const md = comparisonsMarkdown(runs, [
      { a: 'Data-driven', b: 'Fixed' },
      { a: 'Ours', b: 'Zhang' },
    ]);
    expect(md.split('\n').slice(0, 3)).toEqual([
      '**Paired t-tests over per-label AUROCs** (mean difference = Run − Against)',
      '',
      '| Run | Against | Labels | Mean difference | t | df | p |',
    ]);
    expect(md).toContain(
      `| Data-driven | Fixed | all shared: 21 | ${(
        random21.a.reduce((s, x, i) => s + x - random21.b[i]!, 0) / 21
      ).toFixed(4)} | ${random21.t.toFixed(3)} | 20 | ${random21.p.toPrecision(3)} |`,
    );
    expect(md).toContain(
      // Mean difference by hand: (0.212 + 0.003 + 0.167 + 0.072 + 0.083) / 5.
      `| Ours | Zhang | Table I (5): 5 | 0.1074 | ${zhangRef.t.toFixed(3)} | 4 | ${zhangRef.p.toPrecision(3)} |`,
    );
    expect(md).toContain(
      '| Data-driven | Fixed | Table I (5) | — | — | — | label "Atelectasis" is not in both evaluations |',
    );
    // Only the pairs asked for.
    expect(md.match(/^\| \w/gm)).toHaveLength(5); // the header and 2 rows per pair
  });

  it('compares every run with the first by default (no Against column)', () => {
    const three = runs.slice(0, 3);
    const rows = comparisonRows(three);
    expect(rows.map((r) => `${r.a}/${r.b}`)).toEqual([
      'Data-driven/Flat',
      'Data-driven/Flat',
      'Fixed/Flat',
      'Fixed/Flat',
    ]);
    const md = comparisonsMarkdown(three);
    expect(md).toContain('**Paired t-tests over per-label AUROCs** (each run against Flat)');
    expect(md).toContain('| Run | Labels | Mean difference | t | df | p |');
    expect(md).toMatch(/^\| Fixed \| all shared: 14 \| /m);
    expect(comparisonsMarkdown(three.slice(0, 1))).toBe('');
    expect(comparisonsMarkdown(three, [])).toBe('');
  });

  it('puts the pairs of options.comparisons into report.md', () => {
    const labels = ['A', 'B', 'C'];
    const truth = [
      [1, 0, 1],
      [0, 1, 1],
      [1, 1, 0],
      [0, 0, 0],
    ];
    const run = (name: string, scores: number[][]): RunResult => ({
      name,
      evaluation: evaluate({ labels, truth, scores }, { taxonomy: null }),
    });
    const real = [
      run('flat', [
        [0.9, 0.2, 0.6],
        [0.3, 0.7, 0.4],
        [0.6, 0.4, 0.5],
        [0.2, 0.5, 0.45],
      ]),
      run('dd', [
        [0.8, 0.1, 0.9],
        [0.4, 0.6, 0.7],
        [0.7, 0.8, 0.2],
        [0.1, 0.3, 0.1],
      ]),
      run('fixed', [
        [0.6, 0.3, 0.8],
        [0.5, 0.6, 0.3],
        [0.4, 0.5, 0.6],
        [0.45, 0.2, 0.4],
      ]),
    ];
    const comparisons = [
      { a: 'dd', b: 'flat' },
      { a: 'fixed', b: 'flat' },
      { a: 'dd', b: 'fixed' },
    ];
    const md = reportMarkdown(real, { comparisons });
    expect(md).toContain(comparisonsMarkdown(real, comparisons));
    expect(md).toMatch(/^\| dd \| fixed \| all shared: 3 \| /m);
    expect(reportMarkdown(real)).toContain(comparisonsMarkdown(real));
    expect(reportMarkdown(real)).not.toContain('| dd | fixed |');
    expect(reportMarkdown(real, { comparisons: [] })).not.toContain('Paired t-tests');
    expect(() => reportMarkdown(real, { comparisons: [{ a: 'dd', b: 'Nope' }] })).toThrow(
      /comparisons\[0\]\.b: no run named "Nope" \(runs: "flat", "dd", "fixed"\)/,
    );
  });

  it('names an unknown, ambiguous or self-compared run', () => {
    expect(() => comparisonRows(runs, [{ a: 'Ours', b: 'Nope' }])).toThrow(
      /comparisons\[0\]\.b: no run named "Nope" \(runs: "Flat", "Data-driven", /,
    );
    expect(() =>
      comparisonRows(runs, [
        { a: 'Ours', b: 'Zhang' },
        { a: 'x', b: 'Ours' },
      ]),
    ).toThrow(/comparisons\[1\]\.a: no run named "x"/);
    const twice = [...runs, fakeRun('Ours', {})];
    expect(() => comparisonRows(twice, [{ a: 'Ours', b: 'Zhang' }])).toThrow(
      /comparisons\[0\]\.a: several runs are named "Ours"/,
    );
    expect(() => comparisonRows(runs, [{ a: 'Ours', b: 'Ours' }])).toThrow(
      /comparisons\[0\]: compares "Ours" with itself/,
    );
    expect(() => comparisonRows(runs, [{ a: 'Ours' } as never])).toThrow(TypeError);
    expect(() => comparisonRows(runs, 'Ours' as never)).toThrow(/comparisons: expected an array/);
  });
});
