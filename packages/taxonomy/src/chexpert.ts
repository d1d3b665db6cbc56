import type { Taxonomy } from './taxonomy.js';

/** CheXpert's 14 observations in the column order of its CSV files. */
export const CHEXPERT_LABELS = [
  'No Finding',
  'Enlarged Cardiomediastinum',
  'Cardiomegaly',
  'Lung Opacity',
  'Lung Lesion',
  'Edema',
  'Consolidation',
  'Pneumonia',
  'Atelectasis',
  'Pneumothorax',
  'Pleural Effusion',
  'Pleural Other',
  'Fracture',
  'Support Devices',
] as const;

/** The paper's six high-level labels, alphabetically. */
export const HIGH_LEVEL_LABELS = [
  'Abnormal',
  'Cardiac',
  'Fluid Accumulation',
  'Missing Lung Tissue',
  'Opacity',
  'Other',
] as const;

export const UNCERTAIN_LABEL = 'Uncertain';

const sorted = (labels: readonly string[]): string[] =>
  [...labels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * The paper's label space (method-notes §1): 14 CheXpert labels, Uncertain and 6 high-level
 * labels; outputs in the reference model's order (14 sorted, Uncertain, 6 sorted) and the 20
 * parent → child penalty edges (a DAG: Cardiomegaly and Pneumonia have two parents).
 */
export const chexpertTaxonomy: Taxonomy = {
  name: 'chexpert-cihmlc',
  sourceLabels: [...CHEXPERT_LABELS],
  derived: [
    { label: UNCERTAIN_LABEL, kind: 'noneOf', of: [...CHEXPERT_LABELS] },
    { label: 'Abnormal', kind: 'noneOf', of: ['No Finding', UNCERTAIN_LABEL] },
    { label: 'Cardiac', kind: 'anyOf', of: ['Enlarged Cardiomediastinum', 'Cardiomegaly'] },
    {
      label: 'Fluid Accumulation',
      kind: 'anyOf',
      of: ['Edema', 'Consolidation', 'Pneumonia', 'Pleural Effusion'],
    },
    {
      label: 'Missing Lung Tissue',
      kind: 'anyOf',
      of: ['Atelectasis', 'Pneumothorax', 'Pleural Other'],
    },
    {
      label: 'Opacity',
      kind: 'anyOf',
      of: [
        'Lung Opacity',
        'Lung Lesion',
        'Edema',
        'Consolidation',
        'Pneumonia',
        'Pleural Effusion',
        'Atelectasis',
        'Pneumothorax',
        'Pleural Other',
      ],
    },
    { label: 'Other', kind: 'anyOf', of: ['Fracture', 'Support Devices'] },
  ],
  outputLabels: [...sorted(CHEXPERT_LABELS), UNCERTAIN_LABEL, ...HIGH_LEVEL_LABELS],
  edges: [
    ...['Opacity', 'Cardiac', 'Other'].map((child) => ({ parent: 'Abnormal', child })),
    ...['Lung Opacity', 'Lung Lesion', 'Fluid Accumulation', 'Missing Lung Tissue'].map(
      (child) => ({ parent: 'Opacity', child }),
    ),
    ...['Edema', 'Consolidation', 'Pleural Effusion', 'Pneumonia'].map((child) => ({
      parent: 'Fluid Accumulation',
      child,
    })),
    ...['Atelectasis', 'Pneumothorax', 'Pleural Other'].map((child) => ({
      parent: 'Missing Lung Tissue',
      child,
    })),
    ...['Enlarged Cardiomediastinum', 'Cardiomegaly'].map((child) => ({
      parent: 'Cardiac',
      child,
    })),
    ...['Fracture', 'Support Devices'].map((child) => ({ parent: 'Other', child })),
    { parent: 'Enlarged Cardiomediastinum', child: 'Cardiomegaly' },
    { parent: 'Consolidation', child: 'Pneumonia' },
  ],
};
