import { isLabelMatrix, type LabelMatrix, type LabelRows, sameForm, toMatrix } from './matrix.js';
import { allLabels, type Taxonomy } from './taxonomy.js';
import { TaxonomyError } from './validate.js';

interface CompiledRule {
  target: number;
  inputs: Int32Array;
  negate: boolean;
}

/** Index plan for deriving outputs: rules as index arrays over one row of all labels. */
interface DerivationPlan {
  width: number;
  sources: number;
  rules: CompiledRule[];
  outputIndex: Int32Array;
}

const plans = new WeakMap<Taxonomy, DerivationPlan>();

function planFor(taxonomy: Taxonomy): DerivationPlan {
  const cached = plans.get(taxonomy);
  if (cached) return cached;
  const labels = allLabels(taxonomy);
  const index = new Map(labels.map((l, i) => [l, i]));
  // A taxonomy from validateTaxonomy always passes; a hand-built one may not.
  const at = (label: string, path: string): number => {
    const i = index.get(label);
    if (i === undefined) {
      throw new TaxonomyError(path, `unknown label "${label}" in taxonomy "${taxonomy.name}"`);
    }
    return i;
  };
  const plan: DerivationPlan = {
    width: labels.length,
    sources: taxonomy.sourceLabels.length,
    rules: taxonomy.derived.map((rule, r) => ({
      target: at(rule.label, `derived[${r}].label`),
      inputs: Int32Array.from(rule.of.map((l, j) => at(l, `derived[${r}].of[${j}]`))),
      negate: rule.kind === 'noneOf',
    })),
    outputIndex: Int32Array.from(taxonomy.outputLabels.map((l, k) => at(l, `outputLabels[${k}]`))),
  };
  plans.set(taxonomy, plan);
  return plan;
}

function checkBinary(value: number, r: number, c: number, taxonomy: Taxonomy, what: string): void {
  if (value !== 0 && value !== 1) {
    throw new RangeError(
      `${what}[${r}] "${taxonomy.sourceLabels[c]}": value ${value} is not 0 or 1 ` +
        '(apply an uncertainty policy to raw CheXpert values first)',
    );
  }
}

/**
 * Derives a taxonomy's outputs from rows of binary source labels (in `sourceLabels` order),
 * returning rows in `outputLabels` order, in the same form (nested arrays or flat matrix).
 */
export function deriveLabels<T extends LabelRows>(rows: T, taxonomy: Taxonomy): T {
  return sameForm(rows, deriveLabelsMasked(rows, undefined, taxonomy).labels);
}

export interface DerivedWithMask {
  labels: LabelMatrix;
  /** 1 where the output is known, 0 where it depends on an ignored (masked) source value. */
  mask: LabelMatrix;
}

/**
 * Derives outputs when some source values are unknown (U-Ignore): a derived label stays known
 * when the known inputs decide it (any known 1 decides `anyOf`; all known 0 decide it), and is
 * masked otherwise (three-valued logic). Masked source entries must hold 0.
 */
export function deriveLabelsMasked(
  rows: LabelRows,
  mask: LabelRows | undefined,
  taxonomy: Taxonomy,
): DerivedWithMask {
  const plan = planFor(taxonomy);
  const src = toMatrix(rows, plan.sources, 'source labels');
  const known = mask ? toMatrix(mask, plan.sources, 'mask') : undefined;
  if (known && known.rows !== src.rows) {
    throw new RangeError(`mask: ${known.rows} rows for ${src.rows} label rows`);
  }
  const outCols = plan.outputIndex.length;
  const labels = new Float32Array(src.rows * outCols);
  const outMask = new Float32Array(src.rows * outCols);
  const value = new Uint8Array(plan.width);
  const isKnown = new Uint8Array(plan.width);
  const what = isLabelMatrix(rows) ? 'row' : 'rows';
  for (let r = 0; r < src.rows; r++) {
    const base = r * plan.sources;
    for (let c = 0; c < plan.sources; c++) {
      const v = src.data[base + c]!;
      checkBinary(v, r, c, taxonomy, what);
      value[c] = v;
      isKnown[c] = known ? (known.data[base + c] === 0 ? 0 : 1) : 1;
    }
    for (const rule of plan.rules) {
      // Kleene OR over the inputs: a known 1 decides it, otherwise any unknown leaves it unknown.
      let anyOne = 0;
      let anyUnknown = 0;
      for (let k = 0; k < rule.inputs.length; k++) {
        const i = rule.inputs[k]!;
        if (!isKnown[i]) anyUnknown = 1;
        else if (value[i]) anyOne = 1;
      }
      const decided = anyOne || !anyUnknown;
      isKnown[rule.target] = decided ? 1 : 0;
      value[rule.target] = decided ? (rule.negate ? 1 - anyOne : anyOne) : 0;
    }
    const o = r * outCols;
    for (let k = 0; k < outCols; k++) {
      const i = plan.outputIndex[k]!;
      labels[o + k] = value[i]!;
      outMask[o + k] = isKnown[i]!;
    }
  }
  return {
    labels: { rows: src.rows, cols: outCols, data: labels },
    mask: { rows: src.rows, cols: outCols, data: outMask },
  };
}
