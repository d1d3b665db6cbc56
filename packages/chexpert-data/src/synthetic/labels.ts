import { CHEXPERT_LABELS } from '@cihmlc/taxonomy';
import type { Random } from '../random.js';

/** Column index of each CheXpert label. */
const L = Object.fromEntries(CHEXPERT_LABELS.map((l, i) => [l, i])) as Record<
  (typeof CHEXPERT_LABELS)[number],
  number
>;

export interface StudyFindings {
  /** True binary labels in CHEXPERT_LABELS order. */
  labels: Uint8Array;
  /** An image with a faint, sub-threshold opacity that a reader labels as nothing (Uncertain). */
  equivocal: boolean;
}

/**
 * Rates of the generative story (per study). The marginals this produces are documented in the
 * README and checked by tests: roughly No Finding 12%, Support Devices 45%, Lung Opacity 35%,
 * Pleural Effusion 35%, Edema 25%, Cardiomegaly 20%, rare Pleural Other / Fracture / Lung Lesion.
 */
export const SYNTHETIC_RATES = {
  noFinding: 0.12,
  equivocal: 0.04,
  heartFailure: 0.3,
  devicesWhenNormal: 0.15,
  devices: 0.45,
  devicesWithHeartFailure: 0.65,
} as const;

/** Samples one study's findings with CheXpert-like frequencies and co-occurrence. */
export function sampleFindings(rng: Random): StudyFindings {
  const y = new Uint8Array(CHEXPERT_LABELS.length);
  const r = SYNTHETIC_RATES;
  const kind = rng.next();
  if (kind < r.noFinding) {
    y[L['No Finding']] = 1;
    if (rng.chance(r.devicesWhenNormal)) y[L['Support Devices']] = 1;
    return { labels: y, equivocal: false };
  }
  if (kind < r.noFinding + r.equivocal) return { labels: y, equivocal: true };

  // Abnormal: a heart-failure cluster plus independent findings with clinical couplings.
  const hf = rng.chance(r.heartFailure);
  const set = (label: (typeof CHEXPERT_LABELS)[number], p: number) => {
    if (rng.chance(p)) y[L[label]] = 1;
  };
  set('Cardiomegaly', hf ? 0.55 : 0.08);
  set('Enlarged Cardiomediastinum', y[L.Cardiomegaly] ? 0.85 : 0.04);
  set('Edema', hf ? 0.75 : 0.06);
  set('Pleural Effusion', hf ? 0.65 : 0.22);
  set('Consolidation', 0.12);
  set('Pneumonia', y[L.Consolidation] ? 0.45 : 0.03);
  set('Atelectasis', 0.18);
  set('Pneumothorax', 0.09);
  set('Lung Lesion', 0.06);
  set('Pleural Other', 0.03);
  set('Fracture', 0.05);
  const airspace = y[L.Edema] || y[L.Consolidation] || y[L.Pneumonia] || y[L.Atelectasis];
  set('Lung Opacity', airspace ? 0.65 : 0.22);
  set('Support Devices', hf ? r.devicesWithHeartFailure : r.devices);

  const anyFinding = y.some((v, i) => v === 1 && i !== L['Support Devices']);
  if (!anyFinding) {
    const fallback = [
      'Lung Opacity',
      'Lung Opacity',
      'Pleural Effusion',
      'Pleural Effusion',
      'Atelectasis',
      'Pneumothorax',
      'Cardiomegaly',
      'Lung Lesion',
      'Consolidation',
      'Fracture',
    ] as const;
    y[L[rng.pick(fallback)]] = 1;
    if (y[L.Cardiomegaly] && rng.chance(0.85)) y[L['Enlarged Cardiomediastinum']] = 1;
  }
  return { labels: y, equivocal: false };
}

export interface RawLabelNoise {
  /** Probability that a positive is written as uncertain (-1). */
  uncertainPositive: number;
  /** Probability that a negative is written as uncertain (-1). */
  uncertainNegative: number;
  /** Probability that a negative is left blank instead of 0.0 (CheXpert leaves most blank). */
  blankNegative: number;
}

export const DEFAULT_RAW_NOISE: RawLabelNoise = {
  uncertainPositive: 0.08,
  uncertainNegative: 0.015,
  blankNegative: 0.6,
};

/**
 * The train.csv cells of one study as the CheXpert labeler would write them: '1.0', '0.0',
 * '-1.0' or '' (blank). No Finding is only ever 1.0 or blank, as in CheXpert.
 */
export function rawLabelCells(labels: Uint8Array, rng: Random, noise: RawLabelNoise): string[] {
  return Array.from(labels, (v, i) => {
    if (i === L['No Finding']) return v ? '1.0' : '';
    if (v) return rng.chance(noise.uncertainPositive) ? '-1.0' : '1.0';
    if (rng.chance(noise.uncertainNegative)) return '-1.0';
    return rng.chance(noise.blankNegative) ? '' : '0.0';
  });
}
