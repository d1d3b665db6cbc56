import { CHEXPERT_LABELS } from '@cihmlc/taxonomy';
import { hashSeed, Random } from '../random.js';
import {
  drawAnatomy,
  finishExposure,
  type NormBox,
  sampleFrontal,
  sampleLateral,
} from './anatomy.js';
import { Canvas } from './canvas.js';
import { equivocal, FINDING_PAINTERS } from './findings.js';
import type { StudyFindings } from './labels.js';

export interface RenderedFinding {
  label: string;
  box: NormBox;
}

export interface RenderedImage {
  size: number;
  /** Grayscale pixels, row-major, 0..255. */
  gray: Uint8Array;
  findings: RenderedFinding[];
}

/** Findings are painted in this order: haze first, fluid over it, devices on top. */
const PAINT_ORDER = [
  'Lung Opacity',
  'Edema',
  'Consolidation',
  'Pneumonia',
  'Lung Lesion',
  'Atelectasis',
  'Pleural Effusion',
  'Pleural Other',
  'Pneumothorax',
  'Fracture',
  'Enlarged Cardiomediastinum',
  'Cardiomegaly',
  'Support Devices',
] as const;

/**
 * Draws one synthetic radiograph. Every random choice comes from `seed`, and each finding has
 * its own stream, so the same seed gives the same pixels whatever else is in the image.
 */
export function renderRadiograph(
  study: StudyFindings,
  view: 'frontal' | 'lateral',
  size: number,
  seed: number,
): RenderedImage {
  const has = (label: string) => study.labels[CHEXPERT_LABELS.indexOf(label as never)] === 1;
  const rng = new Random(hashSeed(seed, 1));
  // Drawn whether or not it is used, so a finding never shifts the rest of the random stream.
  const atelectasisSide = rng.int(0, 1);
  const changes = {
    cardiomegaly: has('Cardiomegaly'),
    widenedMediastinum: has('Enlarged Cardiomediastinum'),
    raisedDiaphragm: has('Atelectasis') ? atelectasisSide : -1,
  };
  const geometry = view === 'frontal' ? sampleFrontal(rng, changes) : sampleLateral(rng, changes);
  const canvas = new Canvas(size);
  drawAnatomy(canvas, geometry, new Random(hashSeed(seed, 2)));
  const findings: RenderedFinding[] = [];
  for (const label of PAINT_ORDER) {
    if (!has(label)) continue;
    const painter = FINDING_PAINTERS[label]!;
    const box = painter(
      canvas,
      geometry,
      new Random(hashSeed(seed, 100 + CHEXPERT_LABELS.indexOf(label))),
    );
    findings.push({ label, box });
  }
  if (study.equivocal) equivocal(canvas, geometry, new Random(hashSeed(seed, 99)));
  finishExposure(canvas, new Random(hashSeed(seed, 3)));
  const gray = new Uint8Array(size * size);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.round(canvas.px[i]! * 255);
  return { size, gray, findings };
}
