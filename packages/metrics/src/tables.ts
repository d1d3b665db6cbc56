import { HIGH_LEVEL_LABELS } from '@cihmlc/taxonomy';
import type { BootstrapAuroc, BootstrapInterval } from './bootstrap.js';
import type { Evaluation } from './evaluate.js';
import { PUBLISHED_TABLE_III } from './published.js';

/** Table I's labels: the 5 common CheXpert pathologies. */
export const TABLE_I_LABELS = [
  'Atelectasis',
  'Cardiomegaly',
  'Consolidation',
  'Edema',
  'Pleural Effusion',
] as const;

/** Table II's labels: the 6 high-level labels. */
export const TABLE_II_LABELS: readonly string[] = [...HIGH_LEVEL_LABELS];

/** One configuration / run: a row of the tables. */
export interface RunResult {
  name: string;
  /** Rows with the same group (e.g. penalty type) are compared among themselves, like the paper. */
  group?: string;
  evaluation: Evaluation;
  /**
   * Marks hierarchical methods with `*` in Table III, as the paper does. Default: true when the
   * run has any of the high-level labels.
   */
  hierarchical?: boolean;
  /** Bootstrap intervals (`bootstrapAuroc`), shown beside the AUROCs when present. */
  bootstrap?: BootstrapAuroc;
}

export interface TableRow {
  name: string;
  group?: string;
  /** One value per column (`null`: label missing or AUROC undefined). */
  values: (number | null)[];
  /** Mean of the label columns; `null` if any is missing. */
  mean: number | null;
  /** Where a transcribed row comes from. */
  citation?: string;
}

export interface Table {
  id: 'I' | 'II' | 'III';
  title: string;
  columns: string[];
  rows: TableRow[];
}

/** A run's AUROC of one label (`null`: missing or undefined). */
export function aurocOf(evaluation: Evaluation, label: string): number | null {
  return evaluation.perLabel.find((l) => l.label === label)?.auroc ?? null;
}

function mean(values: (number | null)[]): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return (values as number[]).reduce((s, v) => s + v, 0) / values.length;
}

function runRow(run: RunResult, columns: readonly string[]): TableRow {
  const values = columns.map((c) => aurocOf(run.evaluation, c));
  return { name: run.name, ...(run.group ? { group: run.group } : {}), values, mean: mean(values) };
}

/** Table I: AUROC of Atelectasis, Cardiomegaly, Consolidation, Edema, Pleural Effusion + mean. */
export function tableI(runs: readonly RunResult[]): Table {
  return {
    id: 'I',
    title: 'AUROC on 5 CheXpert pathologies',
    columns: [...TABLE_I_LABELS],
    rows: runs.map((r) => runRow(r, TABLE_I_LABELS)),
  };
}

/** Table II: AUROC of the 6 high-level labels + mean. */
export function tableII(runs: readonly RunResult[]): Table {
  return {
    id: 'II',
    title: 'AUROC on the high-level categories',
    columns: [...TABLE_II_LABELS],
    rows: runs.map((r) => runRow(r, TABLE_II_LABELS)),
  };
}

/**
 * Table III: the published rows of the paper's Table III (other methods, transcribed in
 * `PUBLISHED_TABLE_III`) with our runs' Table I rows below; hierarchical methods marked with `*`.
 */
export function tableIII(runs: readonly RunResult[]): Table {
  const published: TableRow[] = PUBLISHED_TABLE_III.map((p) => ({
    name: `${p.hierarchical ? '*' : ''}${p.name}`,
    values: [...p.values],
    mean: p.mean,
    citation: p.citation,
  }));
  const ours = runs.map((r) => {
    const row = runRow(r, TABLE_I_LABELS);
    const { group: _omit, ...rest } = row;
    const hierarchical =
      r.hierarchical ?? r.evaluation.perLabel.some((l) => TABLE_II_LABELS.includes(l.label));
    return { ...rest, name: `${hierarchical ? '*' : ''}${r.name}` };
  });
  return {
    id: 'III',
    title: 'AUROC against published methods on 5 CheXpert pathologies',
    columns: [...TABLE_I_LABELS],
    rows: [...published, ...ours],
  };
}

/** The headline: AUROC weighted by positives over all outputs. */
export function headline(run: RunResult): string {
  const w = run.evaluation.average.weighted;
  const labels = run.evaluation.perLabel.filter((l) => l.auroc !== null).length;
  return `${run.name}: weighted AUROC ${w === null ? 'undefined' : w.toFixed(4)} over ${labels} labels (${run.evaluation.images} images)`;
}

export interface FormatOptions {
  /** Decimals shown in Markdown (default 3, like the paper). */
  digits?: number;
}

export interface TableFormatOptions extends FormatOptions {
  /** Mark the maxima in bold / [brackets] (default true); false lists the rows unranked. */
  emphasis?: boolean;
}

/**
 * Cells to emphasise, like the paper: with one group, the column maximum is **bold**; with several
 * groups, each group's maximum is **bold** and the overall maximum is in [brackets]. Maxima are
 * compared at the displayed precision, so ties are all marked.
 */
function marks(table: Table, digits: number): { bold: boolean[][]; bracket: boolean[][] } {
  const cells = table.rows.map((r) => [...r.values, r.mean]);
  const round = (v: number | null) => (v === null ? null : Number(v.toFixed(digits)));
  const groups = new Set(table.rows.map((r) => r.group ?? ''));
  const grouped = groups.size > 1;
  const bold = cells.map((row) => row.map(() => false));
  const bracket = cells.map((row) => row.map(() => false));
  const width = table.columns.length + 1;
  for (let c = 0; c < width; c++) {
    const maxOf = (rows: number[]) => {
      let best: number | null = null;
      for (const r of rows) {
        const v = round(cells[r]![c]!);
        if (v !== null && (best === null || v > best)) best = v;
      }
      return best;
    };
    const all = table.rows.map((_, r) => r);
    const overall = maxOf(all);
    if (grouped) {
      for (const g of groups) {
        const members = all.filter((r) => (table.rows[r]!.group ?? '') === g);
        const best = maxOf(members);
        for (const r of members)
          if (best !== null && round(cells[r]![c]!) === best) bold[r]![c] = true;
      }
      for (const r of all)
        if (overall !== null && round(cells[r]![c]!) === overall) bracket[r]![c] = true;
    } else {
      for (const r of all)
        if (overall !== null && round(cells[r]![c]!) === overall) bold[r]![c] = true;
    }
  }
  return { bold, bracket };
}

function escapeMarkdown(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The table in Markdown, values to `digits` decimals, maxima marked like the paper. */
export function tableToMarkdown(table: Table, options: TableFormatOptions = {}): string {
  const digits = options.digits ?? 3;
  const emphasis = options.emphasis ?? true;
  const grouped = new Set(table.rows.map((r) => r.group ?? '')).size > 1;
  const { bold, bracket } = marks(table, digits);
  const head = [...(grouped ? ['Group'] : []), 'Method', ...table.columns, 'Mean'];
  const lines = [
    `| ${head.map(escapeMarkdown).join(' | ')} |`,
    `|${head.map((_, i) => (i < (grouped ? 2 : 1) ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  table.rows.forEach((row, r) => {
    const cells = [...row.values, row.mean].map((v, c) => {
      if (v === null) return '—';
      let text = v.toFixed(digits);
      if (emphasis && bracket[r]![c]) text = `[${text}]`;
      if (emphasis && bold[r]![c]) text = `**${text}**`;
      return text;
    });
    const lead = [...(grouped ? [row.group ?? ''] : []), row.name];
    lines.push(`| ${[...lead.map(escapeMarkdown), ...cells].join(' | ')} |`);
  });
  const legend = !emphasis
    ? 'Not ranked.'
    : grouped
      ? 'Bold: highest in its group; [brackets]: highest overall (per column).'
      : 'Bold: highest per column.';
  return `**Table ${table.id}.** ${table.title}. ${legend}\n\n${lines.join('\n')}\n`;
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The table as CSV with full-precision values (empty cell: undefined). */
export function tableToCsv(table: Table): string {
  const head = ['Method', 'Group', ...table.columns, 'Mean'];
  const lines = [head.map(csvField).join(',')];
  for (const row of table.rows) {
    const values = [...row.values, row.mean].map((v) => (v === null ? '' : String(v)));
    lines.push([csvField(row.name), csvField(row.group ?? ''), ...values].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Per-label table of one run: AUROC, positives, accuracy, F1 at the threshold. */
export function perLabelMarkdown(run: RunResult, options: FormatOptions = {}): string {
  const digits = options.digits ?? 3;
  const e = run.evaluation;
  const t = e.thresholdMetrics;
  const b = run.bootstrap;
  const ciHead = b ? ` ${Math.round(b.level * 100)}% CI |` : '';
  const lines = [
    `**${run.name}: per label** (threshold ${t.threshold} for accuracy and F1)`,
    '',
    `| Label | AUROC |${ciHead} Positives | Accuracy | F1 |`,
    `| --- | ---: |${b ? ' :---: |' : ''} ---: | ---: | ---: |`,
  ];
  e.perLabel.forEach((l, i) => {
    const m = t.perLabel[i]!;
    const ci = b ? ` ${formatInterval(b.perLabel[i]!, digits)} |` : '';
    lines.push(
      `| ${escapeMarkdown(l.label)} | ${l.auroc === null ? 'undefined' : l.auroc.toFixed(digits)} |${ci} ${l.positives} | ${m.accuracy.toFixed(digits)} | ${m.f1.toFixed(digits)} |`,
    );
  });
  const f = (v: number | null) => (v === null ? 'undefined' : v.toFixed(4));
  const avgCi = (k: 'macro' | 'weighted' | 'micro') =>
    b ? ` ${formatInterval(b.average[k], 4)}` : '';
  lines.push(
    '',
    `Averages: macro ${f(e.average.macro)}${avgCi('macro')}, weighted ${f(e.average.weighted)}${avgCi('weighted')}, micro ${f(e.average.micro)}${avgCi('micro')}.` +
      ` Accuracy ${f(t.accuracy)}, subset accuracy ${f(t.subsetAccuracy)}, weighted F1 ${f(t.f1Weighted)}.`,
  );
  if (b) {
    lines.push(
      `Intervals: percentile bootstrap, ${b.iterations} resamples of ${b.units} ${b.unit === 'group' ? 'patients' : 'images'}, seed ${b.seed}.`,
    );
  }
  if (e.undefinedLabels.length) {
    lines.push(`Undefined AUROC (one class in the ground truth): ${e.undefinedLabels.join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}

/** `[lower, upper]` of a bootstrap interval. */
export function formatInterval(interval: BootstrapInterval, digits = 3): string {
  if (interval.lower === null || interval.upper === null) return '—';
  return `[${interval.lower.toFixed(digits)}, ${interval.upper.toFixed(digits)}]`;
}

/** Per-label CSV of one run. */
export function perLabelCsv(run: RunResult): string {
  const e = run.evaluation;
  const b = run.bootstrap;
  const ciHead = b ? 'AUROC lower,AUROC upper,' : '';
  const lines = [`Label,AUROC,${ciHead}Positives,Negatives,Accuracy,Precision,Recall,F1`];
  e.perLabel.forEach((l, i) => {
    const m = e.thresholdMetrics.perLabel[i]!;
    const ci = b ? [b.perLabel[i]!.lower ?? '', b.perLabel[i]!.upper ?? ''] : [];
    const cells = [
      l.auroc ?? '',
      ...ci,
      l.positives,
      l.negatives,
      m.accuracy,
      m.precision,
      m.recall,
      m.f1,
    ];
    lines.push([csvField(l.label), ...cells].join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** Hierarchy violations of one run in Markdown (empty string when not applicable). */
export function violationsMarkdown(run: RunResult): string {
  const v = run.evaluation.violations;
  if (!v) return '';
  const lines = [
    `**${run.name}: hierarchy violations** (child > ${v.threshold} while parent < ${v.threshold})`,
    '',
    `Images with a violation: ${v.imagesWithViolation} of ${v.images} (${(100 * v.imageRate).toFixed(1)}%); mean ${v.meanViolationsPerImage.toFixed(3)} violated edges per image.`,
    '',
    '| Parent → child | Images | Rate |',
    '| --- | ---: | ---: |',
    ...v.perEdge.map(
      (e) =>
        `| ${escapeMarkdown(e.parent)} → ${escapeMarkdown(e.child)} | ${e.count} | ${(100 * e.rate).toFixed(1)}% |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
