import {
  hashSeed,
  Random,
  renderRadiograph,
  sampleFindings,
} from '@cihmlc/chexpert-data/synthetic';
import { createClassifier } from '@cihmlc/densenet';
import { selectBackend } from '@cihmlc/runtime';
import { CHEXPERT_LABELS } from '@cihmlc/taxonomy';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLocalisation } from '../bench/localisation.mjs';
import { gradCam } from './grad-cam.js';
import { localisationScore } from './localisation.js';

// The whole DenseNet classifier trained end to end: on wasm with @cihmlc/runtime's training
// kernels a few hundred image-steps take seconds (the stock cpu backend would take hours).
beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});

describe('Grad-CAM localisation of a fully trained DenseNet classifier', () => {
  it('puts the peak inside the finding far more often than a random peak', async () => {
    const run = await runLocalisation(
      {
        explain: { gradCam, localisationScore },
        densenet: { createClassifier },
        data: { Random, hashSeed, sampleFindings, renderRadiograph },
        labelNames: CHEXPERT_LABELS,
      },
      {
        train: 'full',
        trainImages: 200,
        testImages: 100,
        epochs: 12,
        headFilters: 32,
        denseUnits: 16,
      },
    );
    const { trained, untrained } = run;
    console.log(
      `full training: ${trained.overall.hits}/${trained.overall.findings} peaks in the box (${trained.overall.hitRate.toFixed(3)}), random ${trained.overall.randomHitRate.toFixed(3)}, untrained ${untrained.overall.hitRate.toFixed(3)}; loss ${run.losses[0]!.toFixed(3)} → ${run.losses.at(-1)!.toFixed(3)} in ${run.trainSeconds.toFixed(0)} s`,
    );
    expect(trained.overall.findings).toBeGreaterThan(150);
    expect(run.losses.at(-1)!).toBeLessThan(0.8 * run.losses[0]!);
    // "Far more often than random" as a one-sided test: hits against what uniformly random peaks
    // would score (mean n·p̄; n·p̄(1−p̄) bounds the variance of a sum of Bernoulli(p_i)), z > 3.
    const { findings: n, hits, randomHitRate: p } = trained.overall;
    const z = (hits - n * p) / Math.sqrt(n * p * (1 - p));
    console.log(`z = ${z.toFixed(2)} against random peaks`);
    expect(z).toBeGreaterThan(3);
    expect(trained.overall.hitRate).toBeGreaterThan(2 * untrained.overall.hitRate);
  }, 300_000);
});
