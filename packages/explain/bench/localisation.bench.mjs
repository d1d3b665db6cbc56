// Grad-CAM localisation on @cihmlc/chexpert-data's synthetic radiographs: the fraction of positive
// findings whose heatmap peak falls inside the finding's box, for a small DenseNet classifier
// with only its head trained (stock cpu backend) and trained end to end (wasm with
// @cihmlc/runtime's training kernels), against the expected score of a uniformly random peak.
// Options: --train N (300) --test N (80) --epochs N (25) --size PX (64) --seed S (1).

import {
  hashSeed,
  Random,
  renderRadiograph,
  sampleFindings,
} from '@cihmlc/chexpert-data/synthetic';
import { createClassifier } from '@cihmlc/densenet';
import { selectBackend } from '@cihmlc/runtime';
import { CHEXPERT_LABELS } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import { gradCam, localisationScore } from '../dist/index.js';
import { runLocalisation } from './localisation.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number, got ${args[i + 1]}`);
  return value;
};
const options = {
  trainImages: option('train', 300),
  testImages: option('test', 80),
  epochs: option('epochs', 25),
  size: option('size', 64),
  seed: option('seed', 1),
};

const deps = {
  explain: { gradCam, localisationScore },
  densenet: { createClassifier },
  data: { Random, hashSeed, sampleFindings, renderRadiograph },
  labelNames: CHEXPERT_LABELS,
};
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const row = (label, s) => ({
  label,
  findings: s.findings,
  'peak in box': pct(s.hitRate),
  'random peak': pct(s.randomHitRate),
  'ratio to random': (s.hitRate / s.randomHitRate).toFixed(2),
});

for (const [mode, backend] of [
  ['head', 'cpu'],
  ['full', 'wasm'],
]) {
  await selectBackend({ backend });
  const started = performance.now();
  const run = await runLocalisation(deps, { ...options, train: mode });
  const total = (performance.now() - started) / 1000;
  console.log(
    `\nsynthetic frontal radiographs ${options.size} px: ${options.trainImages} for training, ${options.testImages} held out; ` +
      `DenseNet {blocks [2, 2], growth 8, stem 16}, ${mode === 'head' ? 'random backbone, trained head' : 'trained end to end'}; ` +
      `${options.epochs} epochs in ${run.trainSeconds.toFixed(0)} s (loss ${run.losses[0].toFixed(3)} → ${run.losses.at(-1).toFixed(3)}); total ${total.toFixed(0)} s, ${tf.getBackend()} backend`,
  );
  console.table([
    row('all findings, untrained', run.untrained.overall),
    row(`all findings, trained (${mode})`, run.trained.overall),
    ...run.trained.perLabel
      .sort((a, b) => b.findings - a.findings)
      .map((s) => row(`  ${s.name}`, s)),
  ]);
}
