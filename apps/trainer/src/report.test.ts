import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluate } from '@cihmlc/metrics';
import { chexpertTaxonomy, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGridReport } from './report.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-report-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A small seeded generator (LCG), so the fake runs are the same every time. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A finished grid run as `grid` leaves it: summary.json (only the field the report reads) and
 * evaluation/evaluation.json, evaluated by @cihmlc/metrics on a small random matrix.
 */
function writeRun(id: string, labelSet: 'flat14' | 'hierarchical21', seed: number) {
  const labels = taxonomyForLabelSet(chexpertTaxonomy, labelSet).outputLabels;
  const next = random(seed);
  const images = 40;
  const truth = Array.from({ length: images }, (_, r) =>
    labels.map(() => (r === 0 ? 1 : r === 1 ? 0 : next() < 0.35 ? 1 : 0)),
  );
  const scores = truth.map((row) => row.map((t) => Math.min(1, 0.45 * t + 0.6 * next())));
  const evaluation = evaluate({ labels: [...labels], truth, scores }, { taxonomy: null });
  const dir = path.join(work, id);
  fs.mkdirSync(path.join(dir, 'evaluation'), { recursive: true });
  const data = { kind: 'synthetic', dir: 'cache', patients: 10, seed: 1 };
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ config: { data } }));
  fs.writeFileSync(path.join(dir, 'evaluation', 'evaluation.json'), JSON.stringify(evaluation));
  return evaluation;
}

/** Student's t of the paired differences over the labels both have, in float64 by hand. */
function tOverShared(a: ReturnType<typeof evaluate>, b: ReturnType<typeof evaluate>): string {
  const d = a.perLabel.flatMap((x) => {
    const y = b.perLabel.find((p) => p.label === x.label);
    return y && x.auroc !== null && y.auroc !== null ? [x.auroc - y.auroc] : [];
  });
  const mean = d.reduce((s, x) => s + x, 0) / d.length;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (d.length - 1));
  return `all shared: ${d.length} | ${mean.toFixed(4)} | ${(mean / (sd / Math.sqrt(d.length))).toFixed(3)} | ${d.length - 1} |`;
}

describe('writeGridReport', () => {
  it('puts the grid’s paired t-tests (vs flat, data-driven vs fixed) into report.md', async () => {
    const flat = writeRun('flat14', 'flat14', 1);
    const dd5 = writeRun('hier-data-driven-0.5', 'hierarchical21', 2);
    const fixed5 = writeRun('hier-fixed-0.5', 'hierarchical21', 3);
    const dd3 = writeRun('hier-data-driven-0.3', 'hierarchical21', 4); // its fixed run is missing
    const logged: string[] = [];
    const dir = await writeGridReport(work, (s) => logged.push(s));
    expect(logged.join('\n')).toMatch(/not finished yet \(left out\): flat15, .*hier-fixed-0\.3/);

    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/^> \*\*Synthetic data\.\*\*/);
    const section = md.slice(md.indexOf('**Paired t-tests'));
    expect(section).toContain('| Run | Against | Labels |');
    expect(section).toContain(`| Data-driven λ=0.3 | Flat (14) | ${tOverShared(dd3, flat)}`);
    expect(section).toContain(`| Data-driven λ=0.5 | Flat (14) | ${tOverShared(dd5, flat)}`);
    expect(section).toContain(`| Fixed λ=0.5 | Flat (14) | ${tOverShared(fixed5, flat)}`);
    expect(section).toContain(`| Data-driven λ=0.5 | Fixed λ=0.5 | ${tOverShared(dd5, fixed5)}`);
    expect(tOverShared(dd5, flat)).toMatch(/^all shared: 14 \|/);
    expect(tOverShared(dd5, fixed5)).toMatch(/^all shared: 21 \|/);
    // Those four pairs, each over Table I's labels and over all shared ones; nothing else.
    const rows = section.split('\n\n')[1]!.split('\n').slice(2);
    expect(rows).toHaveLength(8);
    expect(section).not.toContain('| Data-driven λ=0.3 | Fixed');
    // The t-tests live in report.md only.
    expect(fs.existsSync(path.join(dir, 'paired-t-tests.md'))).toBe(false);
  });
});
