import type { RunConfig } from './config.js';

/** One cell of the experiment grid: a name and the config fields it changes. */
export interface GridRun {
  id: string;
  label: string;
  patch: Partial<RunConfig>;
}

export const GRID_LAMBDAS = [0.3, 0.5, 0.7, 1.0] as const;

/**
 * The 10 runs behind Tables I–II (method-notes §5): flat without and with Uncertain, then the
 * hierarchical loss with data-driven and fixed (β = 1) penalties at each λ.
 */
export const PAPER_GRID: readonly GridRun[] = [
  { id: 'flat14', label: 'Flat (14)', patch: { labelSet: 'flat14', penalty: 'none' } },
  { id: 'flat15', label: 'Flat + Uncertain (15)', patch: { labelSet: 'flat15', penalty: 'none' } },
  ...GRID_LAMBDAS.map((lambda) => ({
    id: `hier-data-driven-${lambda.toFixed(1)}`,
    label: `Data-driven λ=${lambda.toFixed(1)}`,
    patch: { labelSet: 'hierarchical21', penalty: 'data-driven', lambda } as Partial<RunConfig>,
  })),
  ...GRID_LAMBDAS.map((lambda) => ({
    id: `hier-fixed-${lambda.toFixed(1)}`,
    label: `Fixed λ=${lambda.toFixed(1)}`,
    patch: { labelSet: 'hierarchical21', penalty: 'fixed', lambda, beta: 1 } as Partial<RunConfig>,
  })),
];
