import type { RunConfig } from './config.js';

/** One cell of the experiment grid: a name, the config fields it changes, its t-test partners. */
export interface GridRun {
  id: string;
  label: string;
  patch: Partial<RunConfig>;
  /** The runs it is compared with by paired t-tests in the report (ids). */
  against: string[];
}

export const GRID_LAMBDAS = [0.3, 0.5, 0.7, 1.0] as const;

/** A hierarchical run: data-driven penalties, or fixed ones (β = 1), at one λ. */
function hierarchical(penalty: 'data-driven' | 'fixed', lambda: number): GridRun {
  const at = lambda.toFixed(1);
  return {
    id: `hier-${penalty}-${at}`,
    label: `${penalty === 'fixed' ? 'Fixed' : 'Data-driven'} λ=${at}`,
    patch: {
      labelSet: 'hierarchical21',
      penalty,
      lambda,
      ...(penalty === 'fixed' ? { beta: 1 } : {}),
    },
    against: ['flat14', ...(penalty === 'data-driven' ? [`hier-fixed-${at}`] : [])],
  };
}

/**
 * The 10 runs behind Tables I–II (method-notes §5): flat without and with Uncertain, then the
 * hierarchical loss with data-driven and fixed (β = 1) penalties at each λ. Each configuration is
 * tested against flat (14 labels), and data-driven against fixed at the same λ.
 */
export const PAPER_GRID: readonly GridRun[] = [
  { id: 'flat14', label: 'Flat (14)', patch: { labelSet: 'flat14', penalty: 'none' }, against: [] },
  {
    id: 'flat15',
    label: 'Flat + Uncertain (15)',
    patch: { labelSet: 'flat15', penalty: 'none' },
    against: ['flat14'],
  },
  ...GRID_LAMBDAS.map((lambda) => hierarchical('data-driven', lambda)),
  ...GRID_LAMBDAS.map((lambda) => hierarchical('fixed', lambda)),
];
